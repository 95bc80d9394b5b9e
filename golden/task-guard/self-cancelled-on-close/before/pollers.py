import asyncio


class Poller:
    """Polls a feed until closed."""

    def __init__(self, feed):
        self.feed = feed
        self._task = None

    async def start(self):
        self._task = asyncio.create_task(self._run())
        self._task.set_name(f"poll-{self.feed}")
        await asyncio.sleep(0)

    async def aclose(self):
        """Stop polling and close the feed."""
        await self.feed.close()

    async def _run(self):
        while True:
            await self.feed.poll()


class Watcher:
    def __init__(self):
        self.task: asyncio.Task | None = None

    def start(self):
        self.task = asyncio.ensure_future(self.watch())

    async def __aexit__(self, *exc):
        # nothing to clean up yet
        return None

    async def watch(self):
        await asyncio.sleep(1)


class Owned:
    def __init__(self):
        self._task = None

    async def start(self):
        self._task = asyncio.create_task(asyncio.sleep(1))

    async def stop(self):
        self._task.cancel()
