import asyncio
import functools

from web import app


def logged(func):
    @functools.wraps(func)
    async def wrapper(*args):
        print("call", func.__name__)
        return await func(*args)

    return wrapper


@app.route("/health")
async def health():
    return "ok"


@logged
async def version():
    return "1.0"


async def status():
    return {"health": await health(), "version": await version()}


async def main():
    print(await status())
    await asyncio.sleep(0)
