"""A configuration cache in front of a slow backend: concurrent readers of a missing key must wait for
one load, not start their own (a cache stampede costs the backend one load per reader)."""

import asyncio


class Backend:
    def __init__(self):
        self.loads = 0

    async def fill(self, cache, key):
        self.loads += 1
        await asyncio.sleep(0)
        cache[key] = f"value-of-{key}"


class ConfigCache:
    def __init__(self, backend):
        self._lock = asyncio.Lock()
        self._cache = {}
        self._backend = backend

    async def get(self, key):
        async with self._lock:
            if key not in self._cache:
                await self._backend.fill(self._cache, key)
        return self._cache[key]


async def main():
    backend = Backend()
    cache = ConfigCache(backend)
    values = await asyncio.gather(*(cache.get("db.url") for _ in range(4)), cache.get("timeout"))
    print("values:", values)
    print("backend loads:", backend.loads)


asyncio.run(main())
