import asyncio


class BoundedQueue:
    def __init__(self, limit, metrics):
        self._cond = asyncio.Condition()
        self._items = []
        self._limit = limit
        self._metrics = metrics

    async def put(self, item):
        async with self._cond:
            while len(self._items) >= self._limit:
                await self._cond.wait()
            self._items.append(item)
            self._cond.notify_all()
            await self._metrics.gauge("queue.size", len(self._items))

    async def get(self):
        async with self._cond:
            await self._cond.wait_for(lambda: self._items)
            item = self._items.pop(0)
            self._cond.notify_all()
            return item
