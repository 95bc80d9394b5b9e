# corpus: task-guard
# expect: changed
# fixed: done-callback
"""A job runner that records each job's result with a done-callback.

`submit()` starts the job and returns its id at once; the done-callback consumes the result when the
job finishes. The callback owns the task: cancelling it when `submit()` returns loses every result.
"""

import asyncio


async def square(n):
    for _ in range(3):
        await asyncio.sleep(0)
    return n * n


class Runner:
    def __init__(self):
        self.results = {}
        self._last_id = 0

    def _recorder(self, job_id):
        def record(task):
            self.results[job_id] = "cancelled" if task.cancelled() else task.result()

        return record

    async def submit(self, fn, *args):
        self._last_id += 1
        job_id = self._last_id
        task = asyncio.create_task(fn(*args))
        task.add_done_callback(self._recorder(job_id))
        await asyncio.sleep(0)  # let the job start before the caller goes on
        return job_id


async def main():
    runner = Runner()
    ids = [await runner.submit(square, n) for n in (2, 3, 4)]
    for _ in range(10):
        await asyncio.sleep(0)
    for job_id in ids:
        print("job", job_id, "->", runner.results.get(job_id, "(no result)"))


asyncio.run(main())
