"""A presence service that records every status change and fans it out to its listeners. The lock
protects the status table and the sequence numbers; the listeners are external callbacks, told after
the table is updated, from a copy of the listener list taken under the lock."""

import asyncio


class Presence:
    def __init__(self):
        self._lock = asyncio.Lock()
        self._status = {}
        self._sequence = 0
        self._listeners = []

    def add_listener(self, listener):
        self._listeners.append(listener)

    async def set_status(self, user, status):
        async with self._lock:
            self._sequence += 1
            self._status[user] = status
            event = (user, status)
            for listener in self._listeners:
                await listener(event, self._sequence)


async def main():
    heard = []

    async def log_listener(event, sequence):
        await asyncio.sleep(0)
        heard.append(("log", event, sequence))

    async def badge_listener(event, sequence):
        heard.append(("badge", event, sequence))

    presence = Presence()
    presence.add_listener(log_listener)
    presence.add_listener(badge_listener)
    await presence.set_status("ann", "online")
    await presence.set_status("bo", "away")
    await presence.set_status("ann", "offline")
    print("status:", presence._status)
    for entry in heard:
        print(entry)


asyncio.run(main())
