import asyncio


class Cache:
    def __init__(self):
        self._data = {}

    async def get(self, key):
        return self._data.get(key)

    @classmethod
    async def create(cls):
        return cls()

    @staticmethod
    async def normalize(key):
        return key.strip().lower()

    async def lookup(self, key):
        key = await Cache.normalize(key)
        hit = await self.get(key)
        if hit is None:
            await asyncio.sleep(0.1)
        return hit


async def main():
    cache = await Cache.create()
    return await cache.lookup(" Key ")
