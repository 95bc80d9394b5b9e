import asyncio


def start_background(loop: asyncio.AbstractEventLoop, job):
    loop.create_task(job())


def on_message(message):
    asyncio.create_task(message.ack())


def schedule(job):
    task = asyncio.ensure_future(job())
    return task
