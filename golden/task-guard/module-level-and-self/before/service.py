import asyncio

loop = asyncio.new_event_loop()
startup = loop.create_task(asyncio.sleep(0))


class Poller:
    async def start(self):
        self._task = asyncio.create_task(self._run())
        await asyncio.sleep(0)

    async def aclose(self):
        await asyncio.sleep(0)

    async def _run(self):
        await asyncio.sleep(1)


class Ticker:
    def start(self):
        self.task = asyncio.ensure_future(self.tick())

    async def tick(self):
        await asyncio.sleep(1)
