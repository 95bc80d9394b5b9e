# corpus: task-guard
# expect: unchanged
# skip: not known to be an asyncio event loop
"""A metrics client that schedules its flushes on a loop it was given: `self._loop.create_task(...)`.

The transform cannot tell what `self._loop` is (an event loop, a TaskGroup, another library's
scheduler), so it must say so instead of silently passing the spawn by.
"""

import asyncio


class Metrics:
    def __init__(self, loop):
        self._loop = loop
        self.pending = []
        self.flushed = []

    async def _flush(self):
        await asyncio.sleep(0)
        self.flushed.extend(self.pending)
        self.pending.clear()

    async def count(self, name):
        self.pending.append(name)
        self._loop.create_task(self._flush())
        await asyncio.sleep(0)


async def main():
    metrics = Metrics(asyncio.get_running_loop())
    await metrics.count("login")
    await metrics.count("logout")
    for _ in range(5):
        await asyncio.sleep(0)
    print("flushed:", metrics.flushed)


asyncio.run(main())
