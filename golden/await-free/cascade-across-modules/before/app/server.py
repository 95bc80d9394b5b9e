import asyncio

from app.handlers import handle


async def serve(queue: asyncio.Queue) -> None:
    while True:
        raw = await queue.get()
        print(await handle(raw))
