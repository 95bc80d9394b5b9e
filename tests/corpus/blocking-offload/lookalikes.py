# corpus: blocking-offload
# expect: unchanged
"""Calls that look blocking and are not: a device's own sleep(), a local open(), asyncio.sleep()."""

import asyncio


class Device:
    def __init__(self):
        self.log = []

    def sleep(self, seconds):
        self.log.append(f"low-power for {seconds}s")

    async def idle(self):
        self.sleep(5)
        await asyncio.sleep(0)


def open(name):  # a registry lookup, not a file
    return {"alpha": 1, "beta": 2}[name]


async def lookup(names):
    return [open(n) for n in names]


async def main():
    device = Device()
    await device.idle()
    print(device.log, await lookup(["beta", "alpha"]))


asyncio.run(main())
