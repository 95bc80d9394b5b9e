import asyncio


class Feed:
    def __init__(self):
        self._lock = asyncio.Lock()
        self._observers = []
        self._version = 0
        self._queue = []
        self._history = []

    async def publish(self, topic):
        async with self._lock:
            self._version += 1
            self._history.append(topic)
            for observer in self._observers:
                await observer.notify(topic, self._version)

    async def drain(self, topics):
        for topic in topics:
            async with self._lock:
                self._queue.append(topic)
                while self._queue:
                    item = self._queue.pop()
                    if item.startswith("_"):
                        continue
                    await self.deliver(item)

    async def deliver(self, message):
        await asyncio.sleep(0)
