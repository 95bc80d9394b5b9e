import asyncio

from client.core import open_client


async def main():
    await open_client()
    await asyncio.sleep(0)
