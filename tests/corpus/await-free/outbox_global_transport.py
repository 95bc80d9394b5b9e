# corpus: await-free
# expect: unchanged
# skip: bound more than once
"""A notifier whose default sender only queues; `install()` swaps in a real (async) transport.

`install()` rebinds the module's `send` through `global`: every `await send(...)` must stay.
"""

import asyncio

OUTBOX = []


async def send(user, text):  # default: queue for the nightly batch
    OUTBOX.append((user, text))
    return "queued"


def make_transport(log):
    async def deliver(user, text):
        await asyncio.sleep(0)
        log.append(f"-> {user}: {text}")
        return "delivered"

    return deliver


def install(log):
    global send
    send = make_transport(log)


async def notify(user):
    status = await send(user, "your report is ready")
    return f"{user}: {status}"


async def main():
    print(await notify("ann"))
    log = []
    install(log)
    print(await notify("bob"))
    print(OUTBOX, log)


asyncio.run(main())
