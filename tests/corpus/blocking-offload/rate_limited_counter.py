# corpus: blocking-offload
# expect: unchanged
# skip: while a threading lock is held
# skip: must stay synchronous for its callers
"""A counter shared with a metrics thread: its pauses happen under a threading lock, or in a plain
function the thread calls too."""

import asyncio
import threading
import time


class Counter:
    def __init__(self):
        self._lock = threading.Lock()
        self.value = 0

    def pause(self):
        time.sleep(0.001)  # the metrics thread calls this too: it must stay a plain function

    async def add(self, n):
        with self._lock:
            self.value += n
            time.sleep(0.001)  # an await here would hold the threading lock across a suspension
        self.pause()


async def main():
    # the blocking calls are the point of this program: keep asyncio's debug mode (-X dev) from timing them
    asyncio.get_running_loop().slow_callback_duration = 60
    counter = Counter()
    worker = threading.Thread(target=counter.pause)
    worker.start()
    for n in (1, 2, 3):
        await counter.add(n)
    worker.join()
    print("value:", counter.value)


asyncio.run(main())
