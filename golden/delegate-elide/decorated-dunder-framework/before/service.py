import asyncio
import functools


async def _stop():
    await asyncio.sleep(0)


class Service:
    async def __aenter__(self):
        return await self.start()

    async def __aexit__(self, *exc):
        return await _stop()

    async def start(self):
        await asyncio.sleep(0)
        return self

    @functools.wraps(_stop)
    async def stop(self):
        return await _stop()

    async def on_message(self, message):
        return await self.start()


async def test_start():
    return await Service().start()
