"""Blocking calls blocking-offload must leave alone, and look-alikes it must not touch."""

import asyncio
import threading
import time

_lock = threading.Lock()


class Device:
    def sleep(self, seconds):  # a method that happens to be called sleep
        return seconds

    async def settle(self):
        self.sleep(1)
        await asyncio.sleep(0)


async def read_config(path):
    with open(path) as fh:  # a context manager
        return fh.read()


async def read_lines(path):
    return open(path).readlines()  # a handle


async def later(loop):
    def callback():
        time.sleep(0.1)  # a nested plain function: `await` cannot go there

    loop.call_soon(callback)
    loop.call_soon(lambda: time.sleep(0.1))


def warm_up():
    time.sleep(0.1)  # a plain function async code calls


async def start():
    warm_up()


async def under_thread_lock():
    with _lock:
        time.sleep(0.1)  # awaiting here would hold a threading lock across a suspension


async def in_generator(paths):
    return sum(len(open(p).name) for p in paths)


async def with_local_open(open):
    return open("x")  # a parameter named open


async def returns_sleep():
    return time.sleep(0)  # its value is used
