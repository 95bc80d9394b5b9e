"""sse-starlette's shape: the lock is named after what it serializes."""
import asyncio


class EventStream:
    def __init__(self, send, on_sent):
        self._send_lock = asyncio.Lock()
        self._send = send
        self._on_sent = on_sent
        self.sent = 0

    async def push(self, event):
        async with self._send_lock:
            self.sent += 1
            await self._send({"type": "http.response.body", "body": event})
            await self._on_sent(self.sent)


async def ping(send_lock, send):
    async with send_lock:
        await send(b"ping")
