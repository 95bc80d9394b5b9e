"""The chat service's recent-message cache: bounded, with expiry, observed by the presence feed.

Every method takes the cache's lock, and three of them await an observer while holding it
(the seed audit's finding; `codemod apply --transform lock-await` moves those awaits out):
``insert`` evicts the oldest entry and calls the eviction callback, ``remove`` tells the observer,
``prune_expired`` removes the expired entries, then tells it about each. Each notification is the last
thing its critical section does, so moving it after the lock changes nothing else.

Run it: python -m examples.service.cache
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Awaitable, Callable


@dataclass
class Entry:
    value: str
    expires_at: float


@dataclass
class CacheStats:
    inserts: int = 0
    evictions: int = 0
    removals: int = 0
    expired: int = 0


class Observer:
    """What the presence feed hears about the cache (here: it keeps a log)."""

    def __init__(self) -> None:
        self.events: list[str] = []

    async def on_remove(self, key: str, value: str | None) -> None:
        await asyncio.sleep(0)
        self.events.append(f"removed {key}={value}")

    async def on_expire(self, key: str, value: str) -> None:
        await asyncio.sleep(0)
        self.events.append(f"expired {key}={value}")


class MessageCache:
    def __init__(
        self,
        capacity: int,
        observer: Observer,
        on_evict: Callable[[str, str], Awaitable[None]],
        clock: Callable[[], float],
    ) -> None:
        self._lock = asyncio.Lock()
        self._entries: OrderedDict[str, Entry] = OrderedDict()
        self._capacity = capacity
        self._observer = observer
        self._on_evict = on_evict
        self._clock = clock
        self.stats = CacheStats()

    async def get(self, key: str) -> str | None:
        async with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry.expires_at <= self._clock():
                return None
            self._entries.move_to_end(key)
            return entry.value

    async def insert(self, key: str, value: str, ttl: float) -> None:
        async with self._lock:
            self._entries[key] = Entry(value, self._clock() + ttl)
            self._entries.move_to_end(key)
            self.stats.inserts += 1
            if len(self._entries) > self._capacity:
                old_key, old_entry = self._entries.popitem(last=False)
                self.stats.evictions += 1
                await self._on_evict(old_key, old_entry.value)

    async def remove(self, key: str) -> bool:
        async with self._lock:
            entry = self._entries.pop(key, None)
            if entry is not None:
                self.stats.removals += 1
            await self._observer.on_remove(key, entry.value if entry else None)
            return entry is not None

    async def prune_expired(self) -> int:
        async with self._lock:
            now = self._clock()
            expired = [(key, entry) for key, entry in self._entries.items() if entry.expires_at <= now]
            for key, _ in expired:
                del self._entries[key]
            self.stats.expired += len(expired)
            for key, entry in expired:
                await self._observer.on_expire(key, entry.value)
            return len(expired)

    def __len__(self) -> int:
        return len(self._entries)


async def main() -> None:
    now = [0.0]
    evicted: list[str] = []
    observer = Observer()

    async def on_evict(key: str, value: str) -> None:
        await asyncio.sleep(0)
        evicted.append(f"{key}={value}")

    cache = MessageCache(3, observer, on_evict, clock=lambda: now[0])
    for i in range(5):
        await cache.insert(f"m{i}", f"hello {i}", ttl=10.0 if i % 2 else 1.0)
    print("after inserts:", len(cache), "evicted:", evicted)
    print("get m4:", await cache.get("m4"), "| get m0:", await cache.get("m0"))
    print("remove m3:", await cache.remove("m3"), "| remove m3 again:", await cache.remove("m3"))
    now[0] = 5.0
    print("pruned:", await cache.prune_expired())
    # several writers at once: the lock keeps the cache consistent
    await asyncio.gather(*(cache.insert(f"c{i}", f"burst {i}", ttl=3.0) for i in range(4)))
    print("after burst:", len(cache), "evicted:", sorted(evicted))
    print("observer:", sorted(observer.events))
    print("stats:", cache.stats)


if __name__ == "__main__":
    asyncio.run(main())
