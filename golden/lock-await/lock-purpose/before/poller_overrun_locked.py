"""A poller that skips a tick while the previous one is still running (overrun detection through
`self._lock.locked()`): the listener is part of the tick, so it stays under the lock."""

import asyncio


class Listener:
    def __init__(self):
        self.updates = []

    async def on_update(self, value):
        for _ in range(3):
            await asyncio.sleep(0)
        self.updates.append(value)


class Poller:
    def __init__(self, listener):
        self._lock = asyncio.Lock()
        self._listener = listener
        self._value = 0
        self.skipped = 0

    async def tick(self):
        if self._lock.locked():
            self.skipped += 1
            return
        async with self._lock:
            self._value += 10
            self._history = [self._value]
            await self._listener.on_update(self._value)


async def main():
    listener = Listener()
    poller = Poller(listener)
    ticks = []
    for _ in range(4):
        ticks.append(asyncio.ensure_future(poller.tick()))
        await asyncio.sleep(0)
    await asyncio.gather(*ticks)
    print("updates:", listener.updates, "skipped:", poller.skipped)


asyncio.run(main())
