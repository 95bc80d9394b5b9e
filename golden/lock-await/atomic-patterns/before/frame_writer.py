"""A framed protocol writer: header, payload and trailer of one frame must reach the wire together.

Two tasks send frames at once; the lock keeps each frame whole. The counter is bookkeeping: it does
not make the awaits movable.
"""

import asyncio


class Wire:
    def __init__(self):
        self.chunks = []

    async def write(self, data):
        await asyncio.sleep(0)
        self.chunks.append(data)


class FrameWriter:
    def __init__(self, wire):
        self._lock = asyncio.Lock()
        self._wire = wire
        self.frames = 0

    async def send(self, kind, payload):
        async with self._lock:
            self.frames += 1
            await self._wire.write(f"<{kind}:{len(payload)}>")
            await self._wire.write(payload)
            await self._wire.write("</>")


async def main():
    wire = Wire()
    writer = FrameWriter(wire)
    await asyncio.gather(writer.send("msg", "hello"), writer.send("msg", "world"), writer.send("ping", ""))
    print("wire:", "".join(wire.chunks))
    print("frames:", writer.frames)


asyncio.run(main())
