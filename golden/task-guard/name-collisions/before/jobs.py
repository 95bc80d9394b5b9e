import asyncio


async def run(jobs, stack, task):
    asyncio.create_task(task())
    for job in jobs:
        stack.append(job)
        await job()
