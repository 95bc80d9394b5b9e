# corpus: await-free
# expect: unchanged
# skip: @traced
"""A repository class decorated with @traced, which wraps every coroutine method to log its calls.
Converting a method to a plain function changes what the decorator does with it."""

import asyncio
import functools
import inspect

TRACE = []


def traced(cls):
    for name, fn in list(vars(cls).items()):
        if inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def wrapper(*args, __fn=fn, **kwargs):
                TRACE.append(__fn.__name__)
                return await __fn(*args, **kwargs)

            setattr(cls, name, wrapper)
    return cls


@traced
class UserRepository:
    def __init__(self):
        self.rows = {1: "ann", 2: "bob"}

    async def find(self, key):
        return self.rows.get(key)

    async def rename(self, key, name):
        await asyncio.sleep(0)
        self.rows[key] = name


async def main():
    repo = UserRepository()
    await repo.rename(2, "bea")
    print(await repo.find(1), await repo.find(2))
    print("trace:", TRACE)


asyncio.run(main())
