"""A mailbox that hands queued messages to a consumer until the consumer has acknowledged all of them:
the consumer's callback removes what it handled, so the loop's condition depends on the awaits."""

import asyncio


class Consumer:
    def __init__(self):
        self.handled = []
        self.mailbox = None

    async def on_message(self, message):
        await asyncio.sleep(0)
        self.handled.append(message)
        self.mailbox.acknowledge(message)


class Mailbox:
    def __init__(self, consumer):
        self._lock = asyncio.Lock()
        self._queue = []
        self._consumer = consumer
        consumer.mailbox = self

    def acknowledge(self, message):
        self._queue.remove(message)

    async def deliver(self, messages):
        async with self._lock:
            self._queue.extend(messages)
            while self._queue:
                await self._consumer.on_message(self._queue[0])


async def main():
    consumer = Consumer()
    mailbox = Mailbox(consumer)
    await mailbox.deliver(["hello", "world"])
    await mailbox.deliver(["again"])
    print("handled:", consumer.handled)


asyncio.run(main())
