# corpus: lock-await
# expect: changed
# fixed: on_evict
"""A bounded cache that tells an observer about evictions: the seed audit's shape.

The observer is an external notification whose result the critical section does not need, so the
await can move after the lock; the cache's contents and the observer's log stay the same.
"""

import asyncio
from collections import OrderedDict


class Observer:
    def __init__(self):
        self.log = []

    async def on_evict(self, key, value):
        await asyncio.sleep(0)
        self.log.append(f"evicted {key}={value}")


class Cache:
    def __init__(self, capacity, observer):
        self._lock = asyncio.Lock()
        self._entries = OrderedDict()
        self._capacity = capacity
        self._observer = observer

    async def put(self, key, value):
        async with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            if len(self._entries) > self._capacity:
                old_key, old_value = self._entries.popitem(last=False)
                await self._observer.on_evict(old_key, old_value)

    async def get(self, key):
        async with self._lock:
            return self._entries.get(key)


async def main():
    observer = Observer()
    cache = Cache(2, observer)
    await asyncio.gather(*(cache.put(f"k{i}", i) for i in range(5)))
    print("entries:", [await cache.get(f"k{i}") for i in range(5)])
    print("log:", observer.log)


asyncio.run(main())
