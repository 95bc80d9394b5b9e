import asyncio

import async_timeout


async def refresh(pending, fetch):
    asyncio.wait_for(fetch(), timeout=5)
    await asyncio.wait(pending, timeout=5)


async def scoped(compute):
    async with asyncio.timeout(1):
        compute()
    async with async_timeout.timeout(2):
        compute()
