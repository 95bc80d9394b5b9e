"""Awaits under locks, every way a lock is known."""

import asyncio
import threading
from asyncio import Lock as AsyncLock

import anyio

_registry_lock = asyncio.Lock()


class Cache:
    def __init__(self, observer):
        self._lock = AsyncLock()  # through an import alias
        self._thread_lock = threading.Lock()
        self._observer = observer
        self._entries = {}

    async def insert(self, key, value):
        async with self._lock:
            self._entries[key] = value
            await self._observer.on_insert(key)  # movable: lock-await fixes it

    async def refresh(self, key):
        async with self._lock:
            value = await self._observer.load(key)  # its result is used under the lock: stays
            self._entries[key] = value

    async def sync_with_thread(self):
        with self._thread_lock:
            await self._observer.flush()


async def register(name, hooks):
    async with _registry_lock:
        for hook in hooks:
            await hook(name)


async def with_named_lock(self_like, client):
    async with client.write_lock:  # known by its name
        await client.send(b"frame")


async def with_anyio(data):
    lock = anyio.Lock()
    async with lock:
        async for chunk in data:
            print(chunk)


async def acquire_release(lock: asyncio.Lock, sink):
    await lock.acquire()
    try:
        await sink.write(b"x")
    finally:
        lock.release()
