import asyncio


async def ticker():
    while True:
        await asyncio.sleep(1)


async def run(jobs, stack, ticker_task):
    asyncio.create_task(ticker())
    for job in jobs:
        stack.append(job)
        await job(ticker_task)


async def put_both(queue):
    asyncio.create_task(queue.put("a"))
    asyncio.create_task(queue.put("b"))
    await queue.join()
