import asyncio
import time


class Waiter:
    def __init__(self):
        self.ready = False
        self.queue = []

    async def wait_ready(self):
        while not self.ready:
            await asyncio.sleep(0.1)

    async def drain(self):
        while self.queue:  # the body changes what the condition reads
            self.queue.pop()

    async def count(self, n):
        i = 0
        while i < n:
            i += 1

    async def until_found(self, items):
        while True:
            item = items.pop()
            if item:
                break

    async def iterate(self, items):
        for item in items:  # a plain loop over data: no polling
            print(item)

    def sync_poll(self):
        while not self.ready:
            time.sleep(0.1)
