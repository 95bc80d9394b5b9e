import asyncio
import threading

mutex = threading.Lock()
items = {}


async def handle(item, key, count, listener):
    with mutex:
        items[item] = key
        if items.get(count):
            await listener.on_stored(key, value=item)
        else:
            await listener.on_stored(key, value=count)
