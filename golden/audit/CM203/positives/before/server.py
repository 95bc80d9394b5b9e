import asyncio
from asyncio import create_task as spawn


async def heartbeat(session):
    while True:
        await asyncio.sleep(1)


async def serve(session, room):
    asyncio.create_task(heartbeat(session))  # dropped
    announcer = spawn(heartbeat(room))  # kept, but only named
    announcer.set_name("announcer")
    await asyncio.sleep(0)


async def fan_out(sessions):
    [asyncio.create_task(heartbeat(s)) for s in sessions]


async def on_loop(session):
    loop = asyncio.get_running_loop()
    loop.create_task(heartbeat(session))


def sync_spawner(session):
    asyncio.ensure_future(heartbeat(session))
