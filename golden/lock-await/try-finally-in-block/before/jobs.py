import asyncio


class JobTable:
    def __init__(self, notifier):
        self._lock = asyncio.Lock()
        self._running = set()
        self._notifier = notifier

    async def finish(self, job_id):
        async with self._lock:
            try:
                self._running.remove(job_id)
                await self._notifier.job_done(job_id)
            finally:
                self._running.discard(job_id)

    async def cancel(self, job_id):
        async with self._lock:
            try:
                self._running.remove(job_id)
            except KeyError:
                await self._notifier.unknown_job(job_id)
                return False
            return True
