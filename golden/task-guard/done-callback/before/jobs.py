import asyncio
import logging

log = logging.getLogger(__name__)


class Runner:
    def __init__(self):
        self.results = {}

    def _record(self, job_id):
        def record(task):
            self.results[job_id] = task.result()

        return record

    async def submit(self, job_id, fn):
        task = asyncio.create_task(fn())
        task.add_done_callback(self._record(job_id))
        await asyncio.sleep(0)
        return job_id


async def watch(queue):
    while True:
        log.info("queue size %d", queue.qsize())
        await asyncio.sleep(1)


async def consume(queue, sink):
    watchdog = asyncio.create_task(watch(queue))
    watchdog.add_done_callback(lambda t: log.info("watchdog done"))
    while (item := await queue.get()) is not None:
        await sink.write(item)
