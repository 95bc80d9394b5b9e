import asyncio

from metrics import Registry, registry


async def handle(request, log):
    await registry.incr("requests")      # a module-level instance of Registry
    local = Registry()
    await local.incr("local")            # an instance created here
    log.incr("seen")                     # a plain call on anything: not a coroutine use
    await asyncio.sleep(0)
    return await Registry.snapshot(registry)
