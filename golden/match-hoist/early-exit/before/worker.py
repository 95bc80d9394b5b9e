async def work(queue, jobs):
    for job in jobs:
        if job.kind == "a":
            if job.cancelled:
                continue
            await queue.put(job.payload, kind="a")
        else:
            await queue.put(job.payload, kind="b")


async def guarded(queue, job):
    if job.urgent:
        if not job.valid:
            raise ValueError(job)
        await queue.put(job, priority=0)
    else:
        await queue.put(job, priority=5)


async def loop_inside(queue, job):
    # a break that stays inside the arm's own loop is not an early exit
    if job.urgent:
        for part in job.parts:
            if part is None:
                break
        await queue.put(job, priority=0)
    else:
        await queue.put(job, priority=5)
