import asyncio
import threading

mutex = threading.Lock()
items = {}


async def store(value, key):
    await asyncio.sleep(0)


async def handle(item, key, count):
    with mutex:
        if count:
            result = await store(item, key)
        else:
            result = await store(None, key)
        items[item] = key
