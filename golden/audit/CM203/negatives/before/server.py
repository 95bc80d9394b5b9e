import asyncio

_background = set()


async def heartbeat(session):
    await asyncio.sleep(1)


class Server:
    def __init__(self):
        self._task = None

    async def start(self):
        self._task = asyncio.create_task(heartbeat(self))  # stored on the object

    async def run_all(self, sessions):
        tasks = [asyncio.create_task(heartbeat(s)) for s in sessions]
        await asyncio.gather(*tasks)

    async def in_group(self, sessions):
        async with asyncio.TaskGroup() as tg:
            for s in sessions:
                tg.create_task(heartbeat(s))  # the group owns it

    async def tracked(self, session):
        task = asyncio.create_task(heartbeat(session))
        _background.add(task)
        task.add_done_callback(_background.discard)

    async def awaited(self, session):
        task = asyncio.create_task(heartbeat(session))
        return await task

    async def returned(self, session):
        return asyncio.create_task(heartbeat(session))

    async def of_future(self, fut):
        asyncio.ensure_future(fut)  # may be a future somebody else owns

    def create_task(self, coro):
        return coro

    async def method_named_create_task(self, session):
        self.create_task(heartbeat(session))  # not asyncio's
