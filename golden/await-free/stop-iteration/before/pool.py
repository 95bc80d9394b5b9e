import asyncio


class Pool:
    def __init__(self, conns):
        self.conns = conns

    async def pick_idle(self):
        return next(c for c in self.conns if c.idle)

    async def pick_any(self):
        return next(iter(self.conns), None)

    async def drain(self, it):
        for conn in self.conns:
            if conn.closed:
                raise StopIteration
        return it

    async def acquire(self):
        await asyncio.sleep(0)
        return await self.pick_idle(), await self.pick_any(), await self.drain(None)
