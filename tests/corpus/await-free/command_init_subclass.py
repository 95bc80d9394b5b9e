# corpus: await-free
# expect: unchanged
# skip: __init_subclass__
"""A command framework whose base class validates every subclass when it is defined: its public
methods must be coroutine functions (the scheduler awaits them). `Ping.run` never awaits, and must
stay async."""

import asyncio
import inspect

REGISTRY = {}


class Command:
    name = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for attr, fn in vars(cls).items():
            if callable(fn) and not attr.startswith("_") and not inspect.iscoroutinefunction(fn):
                raise TypeError(f"{cls.__name__}.{attr} must be async")
        REGISTRY[cls.name] = cls


class Ping(Command):
    name = "ping"

    async def run(self, args):
        return "pong " + " ".join(args)


async def main():
    ping = Ping()
    print(await ping.run(["a", "b"]))
    print(sorted(REGISTRY))


asyncio.run(main())
