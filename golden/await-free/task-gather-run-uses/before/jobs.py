import asyncio


async def refresh():
    return 1


async def cleanup():
    return 2


async def warm():
    return 3


async def index():
    return 4


async def main():
    task = asyncio.create_task(refresh())
    await asyncio.gather(cleanup(), task)
    handler = index
    print(await handler())


asyncio.run(warm())
