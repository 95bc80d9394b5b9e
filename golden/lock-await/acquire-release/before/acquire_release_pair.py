"""A job table guarded with explicit `acquire()`/`release()`: the listener is awaited while the lock is
held. lock-await reports it (an audit finding) but does not rewrite explicit lock calls."""

import asyncio


class Listener:
    def __init__(self):
        self.heard = []

    async def on_finished(self, job):
        await asyncio.sleep(0)
        self.heard.append(job)


class Jobs:
    def __init__(self, listener):
        self._lock = asyncio.Lock()
        self._running = {"j1", "j2"}
        self._done = []
        self._listener = listener

    async def finish(self, job):
        await self._lock.acquire()
        try:
            self._running.discard(job)
            self._done.append(job)
            await self._listener.on_finished(job)
        finally:
            self._lock.release()


async def main():
    listener = Listener()
    jobs = Jobs(listener)
    await asyncio.gather(jobs.finish("j1"), jobs.finish("j2"))
    print("done:", jobs._done, "heard:", listener.heard)


asyncio.run(main())
