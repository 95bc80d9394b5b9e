# corpus: await-free
# expect: unchanged
# skip: mailer.transport
"""The application replaces `mailer.transport` with one that really sends (and awaits).

`mailer.transport = ...` from another module rebinds the module global the mailer awaits through:
the queueing transport's `send` must stay a coroutine function.
"""

import asyncio

import mailer


class SmtpTransport:
    def __init__(self):
        self.sent = []

    async def send(self, to, body):
        await asyncio.sleep(0)
        self.sent.append(to)
        return "sent"


async def main():
    print(await mailer.send_welcome("ann"))
    mailer.transport = SmtpTransport()
    print(await mailer.send_welcome("bob"))
    print("smtp:", mailer.transport.sent)


asyncio.run(main())
