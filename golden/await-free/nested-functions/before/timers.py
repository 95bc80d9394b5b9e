import asyncio


async def make_ticker(interval):
    async def tick():
        await asyncio.sleep(interval)
        return interval

    return tick


async def make_counter():
    async def count():
        return 1

    return await count()


async def main():
    ticker = await make_ticker(1)
    await ticker()
    return await make_counter()
