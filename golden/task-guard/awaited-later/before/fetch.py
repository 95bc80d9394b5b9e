import asyncio


async def fetch_both(a, b):
    first = asyncio.create_task(a.fetch())
    second = asyncio.create_task(b.fetch())
    await asyncio.sleep(0)
    return await first, await second


async def fetch_all(sources):
    tasks = [asyncio.create_task(s.fetch()) for s in sources]
    return await asyncio.gather(*tasks)


async def fetch_in_time(source):
    task = asyncio.create_task(source.fetch())
    return await asyncio.wait_for(task, timeout=5)


async def fetch_shielded(source):
    task = asyncio.ensure_future(source.fetch())
    return await asyncio.shield(task)


async def start_fetch(source):
    task = asyncio.create_task(source.fetch())
    await asyncio.sleep(0)
    return task


async def fetches(sources):
    for source in sources:
        yield asyncio.create_task(source.fetch())


async def fetch_first(sources):
    pending = {asyncio.create_task(s.fetch()) for s in sources}
    done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
    return done.pop().result()
