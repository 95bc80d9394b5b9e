# corpus: blocking-offload
# expect: unchanged
# skip: used as a context manager
# skip: inside a nested function
"""A service that reloads its configuration: the reads are already where they must be."""

import asyncio
import json
import os
import tempfile


class Service:
    def __init__(self, path):
        self.path = path
        self.settings = {}

    async def reload(self):
        with open(self.path) as fh:  # blocks, but offloading open() alone would leave fh.read() behind
            self.settings = json.load(fh)

    async def reload_in_thread(self):
        def read():
            with open(self.path) as fh:
                return json.load(fh)

        self.settings = await asyncio.to_thread(read)

    async def reload_later(self, loop, done):
        def read_and_signal():
            with open(self.path) as fh:
                self.settings = json.load(fh)
            done.set()

        loop.call_soon(read_and_signal)


async def main():
    # the blocking calls are the point of this program: keep asyncio's debug mode (-X dev) from timing them
    asyncio.get_running_loop().slow_callback_duration = 60
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "settings.json")
        with open(path, "w") as fh:
            json.dump({"workers": 4}, fh)
        service = Service(path)
        await service.reload()
        print("reload:", service.settings)
        with open(path, "w") as fh:
            json.dump({"workers": 8}, fh)
        await service.reload_in_thread()
        print("reload in thread:", service.settings)
        done = asyncio.Event()
        with open(path, "w") as fh:
            json.dump({"workers": 2}, fh)
        await service.reload_later(asyncio.get_running_loop(), done)
        await done.wait()
        print("reload later:", service.settings)


asyncio.run(main())
