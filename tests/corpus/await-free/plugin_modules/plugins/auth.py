import asyncio


async def setup(app):
    await asyncio.sleep(0)  # loads its keys
    app.routes.append("/login")
