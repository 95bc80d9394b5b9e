"""An adaptive replacement cache: insert makes room, tells the eviction callback, records stats."""

import asyncio
from collections import OrderedDict


class Stats:
    def __init__(self):
        self.records = []

    async def record_insert(self, key, size):
        await asyncio.sleep(0)
        self.records.append((key, size))


class ArcCache:
    def __init__(self, capacity, on_evict):
        self._lock = asyncio.Lock()
        self._t1 = OrderedDict()  # seen once
        self._t2 = OrderedDict()  # seen at least twice
        self._b1 = OrderedDict()  # ghosts of entries evicted from t1
        self._p = 0  # target size of t1
        self._capacity = capacity
        self._on_evict = on_evict
        self.stats = Stats()

    def _make_room(self):
        evicted = []
        while len(self._t1) + len(self._t2) >= self._capacity:
            if self._t1 and len(self._t1) > self._p:
                key, value = self._t1.popitem(last=False)
                self._b1[key] = None
            else:
                key, value = self._t2.popitem(last=False)
            evicted.append((key, value))
        return evicted

    async def insert_arc(self, key, value):
        async with self._lock:
            if key in self._t1 or key in self._t2:
                # a hit: promote to t2
                self._t1.pop(key, None)
                self._t2[key] = value
                return False
            if key in self._b1:
                self._p = min(self._p + 1, self._capacity)
                del self._b1[key]
            evicted = self._make_room()
            # tell the owner what left the cache
            await self._on_evict(evicted, self._p)
            self._t1[key] = value
            await self.stats.record_insert(key, len(self._t1) + len(self._t2))
        return True


async def main():
    log = []

    async def on_evict(evicted, target):
        await asyncio.sleep(0)
        log.append((evicted, target))

    cache = ArcCache(3, on_evict)
    for key in ["a", "b", "c", "a", "d", "e", "b", "f"]:
        print(key, await cache.insert_arc(key, key.upper()))
    print("evictions:", log)
    print("stats:", cache.stats.records)


if __name__ == "__main__":
    asyncio.run(main())
