import asyncio


class Fetcher:
    def __init__(self, session):
        self._slots = asyncio.Semaphore(4)
        self._refresh_lock = asyncio.Lock()
        self._session = session
        self._in_flight = 0

    async def fetch(self, url):
        async with self._slots:
            self._in_flight += 1
            await self._session.get(url)

    async def refresh(self):
        async with self._refresh_lock:
            await self._session.refresh_credentials()
            await self._session.warm_up()
