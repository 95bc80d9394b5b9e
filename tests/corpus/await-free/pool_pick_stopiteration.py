# corpus: await-free
# expect: unchanged
# skip: StopIteration
"""A connection pool whose picker uses next() on a generator: when no connection is idle it raises
StopIteration, which a coroutine turns into RuntimeError (PEP 479) and a plain function does not."""

import asyncio


class Conn:
    def __init__(self, name, idle):
        self.name, self.idle = name, idle


class Pool:
    def __init__(self, conns):
        self.conns = conns

    async def pick_idle(self):
        return next(c for c in self.conns if c.idle)

    async def acquire(self):
        try:
            conn = await self.pick_idle()
        except Exception as exc:
            return f"no idle connection ({type(exc).__name__})"
        conn.idle = False
        return conn.name


async def main():
    pool = Pool([Conn("a", True), Conn("b", False)])
    for _ in range(2):
        print(await pool.acquire())
        await asyncio.sleep(0)


asyncio.run(main())
