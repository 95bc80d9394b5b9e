"""The seed audit's cache (vtcode's tools/registry/cache.rs, in Python): insert evicts and calls the
eviction callback, remove tells the observer, prune_expired removes the expired entries and then tells
the observer about each. Each notification is the last thing its critical section does, so the audit's
fix (release the lock, then notify) keeps what the cache holds and what the observer hears."""

import asyncio
from collections import OrderedDict


class Observer:
    def __init__(self):
        self.events = []

    async def on_remove(self, key, value):
        await asyncio.sleep(0)
        self.events.append(f"removed {key}={value}")

    async def on_expire(self, key, value):
        await asyncio.sleep(0)
        self.events.append(f"expired {key}={value}")


class ToolCache:
    def __init__(self, capacity, observer, on_evict):
        self._lock = asyncio.Lock()
        self._entries = OrderedDict()
        self._capacity = capacity
        self._observer = observer
        self._on_evict = on_evict
        self.evictions = 0

    async def insert_arc(self, key, value, expires):
        async with self._lock:
            self._entries[key] = (value, expires)
            self._entries.move_to_end(key)
            if len(self._entries) > self._capacity:
                old_key, (old_value, _) = self._entries.popitem(last=False)
                self.evictions += 1
                await self._on_evict(old_key, old_value)

    async def remove(self, key):
        async with self._lock:
            entry = self._entries.pop(key, None)
            await self._observer.on_remove(key, entry[0] if entry else None)
            return entry is not None

    async def prune_expired(self, now):
        async with self._lock:
            expired = [(key, value) for key, (value, expires) in self._entries.items() if expires <= now]
            if not expired:
                return 0
            for key, _ in expired:
                del self._entries[key]
            for key, value in expired:
                await self._observer.on_expire(key, value)
            return len(expired)


async def main():
    observer = Observer()
    evicted = []

    async def on_evict(key, value):
        await asyncio.sleep(0)
        evicted.append(key)

    cache = ToolCache(3, observer, on_evict)
    await asyncio.gather(*(cache.insert_arc(f"t{i}", f"result {i}", expires=i) for i in range(6)))
    print("entries:", list(cache._entries), "evicted:", sorted(evicted), "evictions:", cache.evictions)
    print("remove t4:", await cache.remove("t4"), "remove t4 again:", await cache.remove("t4"))
    print("pruned:", await cache.prune_expired(now=3), "then:", await cache.prune_expired(now=3))
    print("entries:", list(cache._entries))
    print("observer:", sorted(observer.events))


asyncio.run(main())
