import asyncio


async def inner():
    await asyncio.sleep(0)
    return 1


async def with_try():
    try:
        return await inner()
    except asyncio.CancelledError:
        return None


async def with_lock(lock):
    async with lock:
        return await inner()


async def two_steps():
    value = await inner()
    return value


async def unknown(client):
    return await client.get()
