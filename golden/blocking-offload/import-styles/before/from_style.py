from asyncio import gather
import time


async def both(a, b):
    time.sleep(0.1)
    return await gather(a(), b())
