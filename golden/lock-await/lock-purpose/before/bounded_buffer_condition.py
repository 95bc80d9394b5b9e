"""A bounded buffer whose producers wake consumers through a helper: the Condition is built on the
buffer's lock, so the helper's `notify_all()` needs the lock held."""

import asyncio


async def wake_consumers(cond):
    await asyncio.sleep(0)
    cond.notify_all()


class Buffer:
    def __init__(self, size):
        self._lock = asyncio.Lock()
        self._not_empty = asyncio.Condition(self._lock)
        self._items = []
        self._size = size

    async def put(self, item):
        async with self._lock:
            self._items.append(item)
            await wake_consumers(self._not_empty)

    async def get(self):
        async with self._not_empty:
            await self._not_empty.wait_for(lambda: self._items)
            return self._items.pop(0)


async def main():
    buffer = Buffer(4)
    consumers = [asyncio.ensure_future(buffer.get()) for _ in range(3)]
    await asyncio.sleep(0)
    for item in ("a", "b", "c"):
        try:
            await buffer.put(item)
        except RuntimeError as exc:
            print("put failed:", exc)
    for _ in range(10):
        await asyncio.sleep(0)
    done = [t for t in consumers if t.done()]
    print("got:", sorted(t.result() for t in done), "waiting:", len(consumers) - len(done))
    for t in consumers:
        t.cancel()


asyncio.run(main())
