# corpus: task-guard
# expect: unchanged
"""Workers spawned in a TaskGroup and a queue's workers kept and cancelled by their owner.

Every task here already has an owner: the transform must leave the file alone.
"""

import asyncio


async def worker(name, queue, done):
    while True:
        item = await queue.get()
        done.append(f"{name}:{item}")
        queue.task_done()


async def crunch(items):
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(asyncio.sleep(0, result=i * 2)) for i in items]
    return [t.result() for t in tasks]


async def drain(items):
    queue, done = asyncio.Queue(), []
    for item in items:
        queue.put_nowait(item)
    workers = [asyncio.create_task(worker(f"w{i}", queue, done)) for i in range(2)]
    await queue.join()
    for w in workers:
        w.cancel()
    await asyncio.gather(*workers, return_exceptions=True)
    return sorted(done)


async def main():
    print(await crunch([1, 2, 3]))
    print(await drain(["a", "b", "c"]))


asyncio.run(main())
