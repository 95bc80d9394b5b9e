"""A telemetry client whose transport cannot take two sends at once: the lock serializes the sends, and
the counter beside them is bookkeeping, not state that would let the send move out."""

import asyncio


class Transport:
    def __init__(self):
        self.in_flight = 0
        self.log = []

    async def send(self, payload):
        self.in_flight += 1
        if self.in_flight > 1:
            self.log.append(f"interleaved {payload}")
        await asyncio.sleep(0)
        self.log.append(f"sent {payload}")
        self.in_flight -= 1


class Telemetry:
    def __init__(self, transport):
        self._lock = asyncio.Lock()
        self._transport = transport
        self.count = 0

    async def emit(self, name, value):
        async with self._lock:
            self.count += 1
            await self._transport.send(f"{name}={value}")


async def main():
    transport = Transport()
    telemetry = Telemetry(transport)
    await asyncio.gather(telemetry.emit("cpu", 3), telemetry.emit("mem", 70), telemetry.emit("disk", 12))
    print("\n".join(transport.log))
    print("count:", telemetry.count)


asyncio.run(main())
