"""A client connection whose listener hears about every transition: the lock serialises connect and
disconnect, so the listener never hears "connected" after a later "disconnected"."""

import asyncio


class Listener:
    def __init__(self):
        self.events = []

    async def on_state(self, state, generation):
        for _ in range(3 if state == "connected" else 1):  # connecting work takes longer
            await asyncio.sleep(0)
        self.events.append(f"{state}#{generation}")


class Client:
    def __init__(self, listener):
        self._lock = asyncio.Lock()
        self._listener = listener
        self._generation = 0
        self.connected = False

    async def connect(self):
        async with self._lock:
            self._generation += 1
            self.connected = True
            await self._listener.on_state("connected", self._generation)

    async def disconnect(self):
        async with self._lock:
            self.connected = False
            await self._listener.on_state("disconnected", self._generation)


async def main():
    listener = Listener()
    client = Client(listener)
    await asyncio.gather(client.connect(), client.disconnect(), client.connect())
    print("events:", listener.events)
    print("connected:", client.connected)


asyncio.run(main())
