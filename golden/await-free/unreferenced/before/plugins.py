import asyncio


async def on_startup(app):
    app.started = True


async def helper():
    return 42


async def used():
    value = await helper()
    await asyncio.sleep(0)
    return value
