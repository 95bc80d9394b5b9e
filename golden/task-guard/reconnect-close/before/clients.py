import asyncio


class KeepAliveClient:
    """The keep-alive is started once and pings whichever connection is open: it survives reconnects."""

    def __init__(self):
        self._conn = None
        self._keepalive = None

    async def start(self):
        self._conn = await self._open()
        self._keepalive = asyncio.create_task(self._keep_alive())

    async def close(self):
        """Close the current connection."""
        self._conn = None

    async def reconnect(self):
        await self.close()
        self._conn = await self._open()

    async def _open(self):
        await asyncio.sleep(0)
        return object()

    async def _keep_alive(self):
        while True:
            await asyncio.sleep(1)


class ReaderClient:
    """The reader belongs to one connection: reconnect() closes it and connects again, which starts a new one."""

    def __init__(self):
        self._reader = None

    async def connect(self):
        await asyncio.sleep(0)
        self._reader = asyncio.create_task(self._read())

    async def close(self):
        await asyncio.sleep(0)

    async def reconnect(self):
        await self.close()
        await self.connect()

    async def __aexit__(self, *exc):
        await self.close()

    async def _read(self):
        while True:
            await asyncio.sleep(1)
