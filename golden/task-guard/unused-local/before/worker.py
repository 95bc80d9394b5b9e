import asyncio
import logging

log = logging.getLogger(__name__)


async def consume(queue, sink):
    watchdog = asyncio.create_task(watch(queue))
    watchdog.add_done_callback(lambda t: log.info("watchdog done"))
    while (item := await queue.get()) is not None:
        await sink.write(item)


async def watch(queue):
    while True:
        log.info("queue size %d", queue.qsize())
        await asyncio.sleep(1)
