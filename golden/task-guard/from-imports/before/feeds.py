from asyncio import create_task, sleep
from contextlib import suppress


async def poll(feed):
    create_task(feed.refresh())
    with suppress(TimeoutError):
        await sleep(60)
