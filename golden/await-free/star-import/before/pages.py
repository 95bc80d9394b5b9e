import asyncio

from tools import *
from tools.text import shout


async def render(title):
    await asyncio.sleep(0)
    return await slugify(title), await shout(title)
