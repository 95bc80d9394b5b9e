# corpus: match-hoist
# expect: unchanged
# skip: would be evaluated before `wait_for`
"""A cache refresher that waits for either a full or an incremental fetch: hoisting would create the
fetch coroutine in the arm and keep it, un-awaited, in a variable until the single wait_for."""

import asyncio
from asyncio import wait_for


class Backend:
    def __init__(self):
        self.calls = []

    async def fetch_all(self):
        await asyncio.sleep(0)
        self.calls.append("all")
        return {"a": 1, "b": 2}

    async def fetch_changed(self, since):
        await asyncio.sleep(0)
        self.calls.append(f"changed since {since}")
        return {"b": 3}


async def refresh(backend, cache, since):
    if since is None:
        fresh = await wait_for(backend.fetch_all(), timeout=5)
    else:
        fresh = await wait_for(backend.fetch_changed(since), timeout=5)
    cache.update(fresh)
    return cache


async def main():
    backend = Backend()
    cache = await refresh(backend, {}, None)
    cache = await refresh(backend, cache, 7)
    print(cache, backend.calls)


asyncio.run(main())
