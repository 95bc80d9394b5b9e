# corpus: task-guard
# expect: changed
# fixed: kept alive
"""A sync callback (as `loop.call_soon` and signal handlers run them) that starts an async shutdown.

The task must outlive the callback, which cannot await it; but nothing keeps a reference to it, and
the event loop keeps only a weak one.
"""

import asyncio


class Service:
    def __init__(self):
        self.steps = []
        self.stopped = asyncio.Event()

    async def shutdown(self, reason):
        self.steps.append(f"shutting down: {reason}")
        await asyncio.sleep(0)
        self.steps.append("connections closed")
        self.stopped.set()

    def on_signal(self, name):
        asyncio.get_running_loop().create_task(self.shutdown(name))


async def main():
    service = Service()
    asyncio.get_running_loop().call_soon(service.on_signal, "SIGTERM")
    await service.stopped.wait()
    print(service.steps)


asyncio.run(main())
