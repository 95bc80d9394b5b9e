import asyncio


class Fan:
    async def async_set_percentage(self, percentage, *, transition=None):
        ...


async def apply(fan: Fan, mode, percentage):
    # `percentage` is taken: no `async_set_percentage_percentage`, no `percentage_2`
    if mode == "boost":
        await fan.async_set_percentage(100, transition=2)
    else:
        await fan.async_set_percentage(40, transition=2)
    return percentage


async def report(device, ok):
    # the callee's parameters are not known here: no `arg2`
    if ok:
        await device.call("status", 1, retries=2)
    else:
        await device.call("status", 0, retries=2)


async def refuse(respond, reason_code):
    # an error message stays beside its call
    if reason_code == 404:
        await respond(reason_code, text="Device not found")
    else:
        await respond(reason_code, text="Invalid state for this device")


async def fetch(client, everything):
    # a coroutine would wait, un-awaited, in a variable
    if everything:
        return await asyncio.wait_for(client.fetch_all(), timeout=5)
    else:
        return await asyncio.wait_for(client.fetch_recent(), timeout=5)
