# corpus: task-guard
# expect: changed
"""A session that runs a heartbeat while it handles requests; the heartbeat belongs to the session.

When the session ends (normally or by an error) the heartbeat must stop with it.
"""

import asyncio


async def heartbeat(log, stop):
    while not stop.is_set():
        log.append("beat")
        await asyncio.sleep(0)


async def session(log, requests):
    stop = asyncio.Event()
    beat = asyncio.create_task(heartbeat(log, stop))
    for r in requests:
        await asyncio.sleep(0)
        log.append(f"handled {r}")
    stop.set()
    await asyncio.sleep(0)


async def main():
    log = []
    await session(log, ["a", "b"])
    for _ in range(3):
        await asyncio.sleep(0)
    print("handled:", [x for x in log if x.startswith("handled")])
    print("beats after the session:", log[log.index("handled b") + 1:].count("beat") <= 1)


asyncio.run(main())
