import asyncio


async def keepalive(room):
    while True:
        await room.ping()


async def track_presence(room):
    while True:
        room.present = await room.who()


async def host(room):
    asyncio.create_task(keepalive(room))
    presence = asyncio.create_task(track_presence(room))
    await room.closed()
