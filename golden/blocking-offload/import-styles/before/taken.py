import time

asyncio = None  # the name is taken: no free name to import asyncio as


async def pause():
    time.sleep(1)
