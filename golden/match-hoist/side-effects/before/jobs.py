import json


async def submit(payload, *, queue):
    ...


async def enqueue(runner, job, fast):
    # a call in the differing argument would run before `submit` is looked up
    if fast:
        await submit(json.dumps({"job": job, "fast": True}), queue="jobs")
    else:
        await submit(json.dumps({"job": job}), queue="jobs")


async def enqueue_on(runner, job, fast):
    # `runner.submit` is looked up before the argument runs: hoisting would reverse that
    if fast:
        await runner.submit(runner.prepare(job, fast=True), queue="jobs")
    else:
        await runner.submit(runner.prepare(job), queue="jobs")
