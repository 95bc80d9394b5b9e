# corpus: task-guard
# expect: changed
# skip: ambiguous
"""A dispatcher that starts a task per job until it reads the end-of-queue marker.

Jobs still running when the dispatcher stops must finish: whether they belong to the dispatcher or
to the service is not something the code says, so the transform must not cancel them.
"""

import asyncio


async def run_job(job, done):
    for _ in range(job):
        await asyncio.sleep(0)
    done.append(job)


async def dispatch(queue, done):
    while True:
        job = await queue.get()
        if job is None:
            break
        asyncio.create_task(run_job(job, done))
    return "dispatcher stopped"


async def main():
    queue, done = asyncio.Queue(), []
    for job in (3, 1, 2, None):
        queue.put_nowait(job)
    print(await dispatch(queue, done))
    for _ in range(10):
        await asyncio.sleep(0)
    print("jobs done:", sorted(done))


asyncio.run(main())
