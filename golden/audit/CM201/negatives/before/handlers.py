"""Look-alikes: nothing here blocks the event loop."""

import asyncio
import time


class Worker:
    def sleep(self, seconds):
        return seconds

    async def run(self):
        self.sleep(1)  # a method named sleep
        await asyncio.sleep(1)  # the asyncio one


async def with_local_open(open):
    return open("data")  # a parameter named open


async def shadowed():
    def open(path):
        return path

    return open("x")  # a local function named open


async def offloaded(path):
    def work():
        time.sleep(1)  # runs on a thread
        with open(path) as fh:
            return fh.read()

    return await asyncio.to_thread(work)


async def lambda_offloaded():
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, lambda: time.sleep(1))


def sync_function():
    time.sleep(1)  # not async, and no async code calls it


time.sleep(0)  # module level
