# corpus: match-hoist
# expect: unchanged
# skip: different callables
"""A dispatcher whose arms await different senders: nothing to collapse."""

import asyncio


async def send_email(log, to):
    await asyncio.sleep(0)
    log.append(f"email {to}")


async def send_sms(log, to):
    await asyncio.sleep(0)
    log.append(f"sms {to}")


async def notify(log, kind, to):
    if kind == "email":
        await send_email(log, to)
    else:
        await send_sms(log, to)


async def main():
    log = []
    await notify(log, "email", "a@example.invalid")
    await notify(log, "sms", "+100")
    print(log)


asyncio.run(main())
