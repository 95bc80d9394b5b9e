import asyncio as aio
from asyncio import create_task as spawn
from asyncio import sleep


async def poll_feeds(feeds):
    spawn(refresh_index())
    for feed in feeds:
        aio.create_task(feed.fetch())
    await sleep(60)


async def refresh_index():
    await sleep(1)
