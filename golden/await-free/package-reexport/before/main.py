import asyncio

import pkg
from pkg import load_config


async def start():
    first = await load_config("a.toml")
    second = await pkg.load_config("b.toml")
    await asyncio.sleep(0)
    return first + second
