import asyncio

try:
    from fast import digest
except ImportError:
    from slow import digest


async def checksum(data):
    await asyncio.sleep(0)
    return await digest(data)
