# corpus: await-free
# expect: unchanged
# skip: type(
"""Event handlers: a base class with a default `handle`, and variants built with `type()` from a
table of coroutine functions. The dynamic subclass overrides `handle` with a coroutine function,
so the base's `handle` (and `dispatch`, which awaits it) must stay coroutines."""

import asyncio


class Handler:
    async def handle(self, event):
        return f"default: {event}"

    async def dispatch(self, event):
        return "[" + await self.handle(event) + "]"


async def shout(self, event):
    await asyncio.sleep(0)
    return event.upper()


VARIANTS = {"loud": {"handle": shout}}


def make(kind):
    return type(f"{kind.title()}Handler", (Handler,), VARIANTS[kind])


async def main():
    print(await Handler().dispatch("ping"))
    loud = make("loud")()
    print(await loud.dispatch("ping"))


asyncio.run(main())
