import json


async def submit(payload):
    ...


async def enqueue(runner, job, fast):
    # the callee is a bare name: calls in the differing argument cannot change it
    if fast:
        await submit(json.dumps({"job": job, "fast": True}))
    else:
        await submit(json.dumps({"job": job}))


async def enqueue_on(runner, job, fast):
    # `runner.submit` is looked up before the argument runs: hoisting would reverse that
    if fast:
        await runner.submit(runner.prepare(job, fast=True))
    else:
        await runner.submit(runner.prepare(job))
