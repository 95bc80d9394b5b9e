import asyncio

_started = 0


async def collect(source):
    """Collect statistics from source until it is exhausted.

    The sampler runs alongside.
    """
    global _started
    _started += 1

    # sample in the background; the loop below never waits for it
    asyncio.create_task(sample(source))  # until we are done

    # consume everything
    async for event in source:
        record(event)

    # done
    return _started


async def sample(source):
    while True:
        await source.sample()


def record(event):
    print(event)
