import asyncio


class Metrics:
    def __init__(self, loop, hass):
        self._loop = loop
        self.hass = hass
        self.pending = []

    async def _flush(self):
        await asyncio.sleep(0)
        self.pending.clear()

    async def count(self, name):
        self.pending.append(name)
        self._loop.create_task(self._flush())
        await asyncio.sleep(0)

    async def count_later(self, name):
        self.hass.async_create_task(self._flush())
        await asyncio.sleep(0)

    async def count_in(self, group, name):
        group.create_task(self._flush())
        await asyncio.sleep(0)

    async def count_kept(self, name):
        self.flushing = self.hass.loop.create_task(self._flush())
        await asyncio.sleep(0)
