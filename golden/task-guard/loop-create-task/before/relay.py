import asyncio


async def relay(src, dst):
    loop = asyncio.get_running_loop()
    loop.create_task(pump(src, dst))
    await dst.closed()


async def mirror(src, dst, loop: asyncio.AbstractEventLoop):
    loop.create_task(pump(dst, src))
    await src.closed()


async def tee(src, a, b):
    asyncio.get_running_loop().create_task(pump(src, a))
    await pump(src, b)


async def grouped(src, dst):
    async with asyncio.TaskGroup() as tg:
        tg.create_task(pump(src, dst))
        tg.create_task(pump(dst, src))


async def pump(src, dst):
    async for chunk in src:
        await dst.write(chunk)
