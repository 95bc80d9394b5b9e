import asyncio


class Observer:
    def __init__(self):
        self.seen = []

    async def on_evict(self, key, value):
        await asyncio.sleep(0)
        self.seen.append((key, value))


class Store:
    def __init__(self, observer):
        self._lock = asyncio.Lock()
        self._data = {}
        self._size = 0
        self._observer = observer

    async def put(self, key, value):
        async with self._lock:
            self._size += key not in self._data
            self._data[key] = value

    async def remove(self, key):
        async with self._lock:
            if key not in self._data:
                return None
            value = self._data.pop(key)
            self._size -= 1
            await self._observer.on_evict(key, value)  # tell the observer
            return value


async def main():
    observer = Observer()
    store = Store(observer)
    for i in range(4):
        await store.put(f"k{i}", i * i)
    print(await store.remove("k2"), await store.remove("k2"), await store.remove("k3"))
    print(observer.seen, store._size)


if __name__ == "__main__":
    asyncio.run(main())
