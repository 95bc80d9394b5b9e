import asyncio


async def double(x):
    return x * 2


async def run():
    value = await double(21)
    await asyncio.sleep(0)
    return value
