"""A hub that creates its API session on first use (Home Assistant's shape): the session is stored under
the lock before `await session.initialize()` finishes, and the lock keeps other callers from taking the
fast path to a half-built session."""

import asyncio


class Session:
    def __init__(self):
        self.token = None

    async def initialize(self):
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        self.token = "t-123"

    def request(self, path):
        if self.token is None:
            return f"GET {path}: 401 not logged in"
        return f"GET {path}: 200 with {self.token}"


class Hub:
    def __init__(self):
        self._lock = asyncio.Lock()
        self._session = None

    async def session(self):
        async with self._lock:
            if self._session is None:
                session = Session()
                self._session = session
                await session.initialize()
        return self._session


async def fetch(hub, path):
    session = await hub.session()
    return session.request(path)


async def main():
    hub = Hub()
    for line in await asyncio.gather(fetch(hub, "/lights"), fetch(hub, "/switches"), fetch(hub, "/sensors")):
        print(line)


asyncio.run(main())
