import asyncio
import contextlib
from asyncio import CancelledError


async def run(tick, log):
    while True:
        try:
            await tick()
        except BaseException:
            log("tick failed")


async def swallow(tick):
    try:
        await tick()
    except CancelledError:
        return None


async def bare(tick):
    try:
        await tick()
    except:  # noqa: E722
        pass


async def tuple_clause(tick):
    try:
        await tick()
    except (ValueError, asyncio.CancelledError):
        pass


async def suppressed(tick):
    with contextlib.suppress(asyncio.CancelledError):
        await tick()
