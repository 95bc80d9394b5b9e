import asyncio
import queue
import threading


class Jobs:
    def __init__(self):
        self._jobs = queue.Queue()
        self._async_jobs = asyncio.Queue()
        self._lock = threading.Lock()
        self._event = asyncio.Event()

    async def next_job(self):
        try:
            return self._jobs.get_nowait()  # never blocks
        except queue.Empty:
            return await self._async_jobs.get()  # the asyncio queue

    async def poll(self):
        return self._jobs.get(block=False), self._jobs.get(timeout=0)

    async def try_lock(self):
        if self._lock.acquire(blocking=False):
            self._lock.release()

    async def wait(self):
        await self._event.wait()

    def in_thread(self):
        return self._jobs.get()  # a plain method: it runs on a worker thread
