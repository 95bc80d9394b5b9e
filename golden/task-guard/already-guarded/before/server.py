import asyncio
import contextlib


async def serve(conn):
    heartbeat = asyncio.create_task(conn.heartbeat())
    try:
        while (msg := await conn.recv()) is not None:
            await conn.send(msg)
    finally:
        heartbeat.cancel()


async def serve_suppressed(conn):
    reader = asyncio.create_task(conn.reader())
    try:
        await conn.closed()
    finally:
        reader.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reader


async def serve_stacked(conn):
    with contextlib.ExitStack() as stack:
        pinger = asyncio.create_task(conn.ping_forever())
        stack.callback(pinger.cancel)
        await conn.closed()
