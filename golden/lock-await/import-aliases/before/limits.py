from asyncio import Lock as AsyncLock

import anyio
import trio as t


class Counters:
    def __init__(self, listener):
        self._guard = AsyncLock()
        self._anyio_state = anyio.Lock()
        self._trio_state = t.Lock()
        self._counts = {}
        self._listener = listener

    async def bump(self, key):
        async with self._guard:
            self._counts[key] = self._counts.get(key, 0) + 1
            await self._listener.on_count(key, self._counts[key])

    async def reset(self, key):
        async with self._anyio_state:
            self._counts.pop(key, None)
            await self._listener.on_count(key, 0)

    async def drop(self, key):
        async with self._trio_state:
            del self._counts[key]
            await self._listener.on_count(key, None)
