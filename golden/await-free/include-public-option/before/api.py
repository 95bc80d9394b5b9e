import asyncio

__all__ = ["ready"]


async def ready():
    return True


async def main():
    if await ready():
        await asyncio.sleep(0)
