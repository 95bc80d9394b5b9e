"""A metrics buffer that hands each flushed batch to a hook and logs hook failures: the whole `try`
around the notification is the last thing the critical section does, so it moves after the lock as it
is, handler and all."""

import asyncio


class Hook:
    def __init__(self):
        self.batches = []

    async def on_flush(self, batch):
        await asyncio.sleep(0)
        if not batch:
            raise ValueError("empty batch")
        self.batches.append(batch)


class MetricsBuffer:
    def __init__(self, hook):
        self._lock = asyncio.Lock()
        self._points = []
        self._hook = hook
        self.failures = []

    def add(self, point):
        self._points.append(point)

    async def flush(self):
        async with self._lock:
            batch, self._points = self._points, []
            try:
                await self._hook.on_flush(batch)
            except ValueError as exc:
                print("hook failed:", exc)


async def main():
    hook = Hook()
    buffer = MetricsBuffer(hook)
    buffer.add(("cpu", 1))
    buffer.add(("cpu", 2))
    await buffer.flush()
    await buffer.flush()
    print("batches:", hook.batches)


asyncio.run(main())
