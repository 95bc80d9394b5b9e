# corpus: delegate-elide
# expect: unchanged
# skip: tells coroutine functions from others
"""A service whose supervisor (in the same file) lists the lifecycle methods it must await by asking
`inspect.iscoroutinefunction`: `start` only delegates to `_connect`, but as a plain function it would
drop out of the list and be called without its result being awaited."""

import asyncio
import inspect


class Service:
    def __init__(self):
        self.state = "new"

    async def start(self):
        return await self._connect()

    async def _connect(self):
        await asyncio.sleep(0)
        self.state = "up"
        return self.state

    def describe(self):
        return f"service {self.state}"


def awaited_methods(obj):
    return sorted(name for name, member in inspect.getmembers(obj) if inspect.iscoroutinefunction(member))


async def supervise(service):
    for name in awaited_methods(service):
        if not name.startswith("_"):
            print(name, "->", await getattr(service, name)())
    print(service.describe())


asyncio.run(supervise(Service()))
