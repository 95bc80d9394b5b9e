import asyncio


async def host(room):
    asyncio.create_task(room.keepalive())
    presence = asyncio.create_task(room.presence())
    await room.closed()
