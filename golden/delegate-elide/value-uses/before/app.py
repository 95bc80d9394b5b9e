import asyncio


async def ping(request):
    await asyncio.sleep(0)
    return "pong"


async def health(request):
    return await ping(request)


async def status(request):
    return await ping(request)


ROUTES = {"/health": health}


def lookup(app):
    return getattr(app, "status")


async def main():
    return await health(None)
