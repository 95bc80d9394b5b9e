import asyncio


async def parse(line):
    return line.split(",")


async def load(lines):
    return [await parse(line) for line in lines]


async def stream(lines):
    return (await parse(line) for line in lines)


async def main(lines):
    rows = await load(lines)
    gen = await stream(lines)
    await asyncio.sleep(0)
    return rows, gen
