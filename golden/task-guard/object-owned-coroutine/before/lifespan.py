"""uvicorn's Lifespan shape: startup() spawns the object's own main(), which shutdown() talks to later."""
import asyncio


async def ping(queue):
    await queue.put("ping")


class Lifespan:
    def __init__(self):
        self.messages = asyncio.Queue()
        self.started = asyncio.Event()
        self.stopped = asyncio.Event()

    async def main(self):
        await self.messages.get()  # "startup"
        self.started.set()
        await self.messages.get()  # "shutdown"
        self.stopped.set()

    async def startup(self):
        main_task = asyncio.get_running_loop().create_task(self.main())  # runs until shutdown()
        await self.messages.put("startup")
        await self.started.wait()

    async def shutdown(self):
        await self.messages.put("shutdown")
        await self.stopped.wait()

    async def probe(self):
        # a helper of this call, but nothing proves it: kept alive and reported, not cancelled
        asyncio.create_task(ping(self.messages))
        await self.messages.get()
