"""A stream that calls its close callback exactly once: the callback is replaced by a no-op right after
it ran, under the lock. The callee is state: moved after the block, the call would reach the no-op."""

import asyncio


async def _noop():
    return None


class Stream:
    def __init__(self, on_close):
        self._lock = asyncio.Lock()
        self._on_close = on_close
        self._buffer = ["a", "b"]

    async def finish(self):
        async with self._lock:
            self._buffer.clear()
            await self._on_close()
            self._on_close = _noop


async def main():
    closed = []

    async def on_close():
        await asyncio.sleep(0)
        closed.append("closed")

    stream = Stream(on_close)
    await stream.finish()
    await stream.finish()
    print("close callbacks:", closed)


asyncio.run(main())
