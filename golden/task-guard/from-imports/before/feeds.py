from asyncio import create_task, sleep
from contextlib import suppress


async def refresh_forever(feed):
    while True:
        await feed.refresh()
        await sleep(10)


async def poll(feed):
    create_task(refresh_forever(feed))
    with suppress(TimeoutError):
        await sleep(60)
