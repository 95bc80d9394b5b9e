import asyncio


async def parse(raw):  # codemod: ignore[await-free]
    return raw.decode()


async def to_bytes(text):
    return bytes(text, "utf-8")


async def checksum(data):
    return sum(data)


async def handle(raw):
    await asyncio.sleep(0)
    text = await parse(raw)
    data = await to_bytes(text)
    return await checksum(data)  # codemod: ignore[CM301]
