"""Look-alikes: nothing here awaits while a lock is held."""

import asyncio
import contextlib
import threading


class Cache:
    def __init__(self):
        self._lock = asyncio.Lock()
        self._cond = asyncio.Condition()
        self._sem = asyncio.Semaphore(3)
        self._clock = contextlib.nullcontext()  # `clock` is not a lock
        self._blocking = contextlib.nullcontext()

    async def wait_ready(self):
        async with self._cond:
            await self._cond.wait()  # releases the condition's lock while it waits
            await self._cond.wait_for(lambda: True)

    async def bounded(self, fetch):
        async with self._sem:  # a semaphore exists to bound the awaits it guards
            await fetch()

    async def short(self):
        async with self._lock:
            self.count = 1
        await asyncio.sleep(0)  # after the block

    async def not_locks(self, fetch):
        async with self._clock:
            await fetch()
        with self._blocking:
            await fetch()

    def sync_method(self):
        with threading.Lock():
            pass

    async def nested_function(self):
        async with self._lock:
            async def later():
                await asyncio.sleep(0)  # runs when called, not under the lock
            self.later = later
