import asyncio
import threading

mutex = threading.Lock()
items = {}


async def store(*args):
    await asyncio.sleep(0)


async def handle(item, key, count):
    with mutex:
        if count:
            result = await store(item, key)
        else:
            result = await store(len(items), key)
        items[item] = key
