import asyncio


async def dispatch(queue, handle):
    """Hand every job to its own task, until the dispatcher is cancelled."""
    while True:
        job = await queue.get()
        asyncio.create_task(handle(job))


async def drain(queue, handle):
    while not queue.empty():
        job = queue.get_nowait()
        asyncio.create_task(handle(job))
        await asyncio.sleep(0)
    await queue.join()


async def watch(conn):
    while True:
        await conn.ping()


async def supervise(listener):
    """Accept connections and watch each one while supervising."""
    while True:
        conn = await listener.accept()
        asyncio.create_task(watch(conn))
