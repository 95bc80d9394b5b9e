# corpus: task-guard
# expect: changed
# fixed: comprehension
"""An event bus that notifies its subscribers with a list comprehension it throws away.

Nothing keeps the tasks the comprehension spawns: the loop holds only weak references to them.
They are fire-and-forget notifications, meant to finish after `publish()` returns.
"""

import asyncio


class Subscriber:
    def __init__(self, name):
        self.name = name
        self.events = []

    async def on_event(self, event):
        await asyncio.sleep(0)
        self.events.append(event)


class Bus:
    def __init__(self):
        self.subscribers = []

    async def publish(self, event):
        [asyncio.create_task(s.on_event(event)) for s in self.subscribers]
        await asyncio.sleep(0)


async def main():
    bus = Bus()
    bus.subscribers = [Subscriber("billing"), Subscriber("mailer")]
    await bus.publish("order 1 paid")
    await bus.publish("order 2 paid")
    for _ in range(5):
        await asyncio.sleep(0)
    for s in bus.subscribers:
        print(s.name, "got", s.events)


asyncio.run(main())
