import asyncio


async def heartbeat(conn):
    while True:
        await conn.ping()
        await asyncio.sleep(30)


async def serve(conn):
    asyncio.create_task(heartbeat(conn))
    while True:
        request = await conn.recv()
        if request is None:
            return
        await conn.send(await handle(request))


async def handle(request):
    return request.upper()
