# corpus: task-guard
# expect: unchanged
# skip: Future somebody else owns
"""Sign-ups that hand a welcome mail to a batching mailer with `ensure_future(mailer.send(...))`.

`send()` is a plain function: it returns the future of the batch the message goes out with, shared by
every message of that batch, and `ensure_future` returns that future as it is. Cancelling it when
`sign_up()` returns would fail the whole batch, including the report `main()` waits for.
"""

import asyncio


class Mailer:
    def __init__(self):
        self.outbox = []
        self.delivered = []
        self._batch = None

    def send(self, message):
        self.outbox.append(message)
        if self._batch is None:
            self._batch = asyncio.get_running_loop().create_future()
        return self._batch

    async def deliver(self):
        while True:
            await asyncio.sleep(0)
            if self._batch is not None:
                self.delivered.extend(self.outbox)
                self.outbox.clear()
                self._batch.set_result(len(self.delivered))
                self._batch = None


async def sign_up(users, mailer, name):
    users.append(name)
    asyncio.ensure_future(mailer.send(f"welcome, {name}"))
    await asyncio.sleep(0)


async def main():
    mailer, users = Mailer(), []
    delivery = asyncio.create_task(mailer.deliver())
    report = mailer.send("daily report")
    await sign_up(users, mailer, "ada")
    try:
        print("report went out with", await report, "messages")
    except asyncio.CancelledError:
        print("the report's batch was cancelled")
    print("delivered:", mailer.delivered)
    delivery.cancel()


asyncio.run(main())
