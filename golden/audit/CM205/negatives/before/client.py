import asyncio


async def refresh(pending, fetch):
    await asyncio.wait_for(fetch(), timeout=5)
    done, still_pending = await asyncio.wait(pending, timeout=5)
    for task in still_pending:
        task.cancel()
    await asyncio.wait(pending)  # no timeout to lose
    return done


async def scoped(fetch):
    async with asyncio.timeout(1):
        await fetch()


class Client:
    def wait_for(self, coro, timeout):
        return coro

    async def own_wait_for(self, fetch):
        self.wait_for(fetch(), 5)  # not asyncio's
