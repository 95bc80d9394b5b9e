import asyncio
import contextlib


async def reraises(tick, log):
    try:
        await tick()
    except asyncio.CancelledError:
        log("cancelled")
        raise


async def exception_only(tick, log):
    try:
        await tick()
    except Exception:  # CancelledError is a BaseException: it goes through
        log("failed")


async def stop(self):
    self._task.cancel()
    try:
        await self._task  # waiting for the task this function cancelled
    except asyncio.CancelledError:
        pass


async def stop_quietly(task):
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def nothing_awaited(compute):
    try:
        compute()
    except BaseException:
        pass


def sync_handler(compute):
    try:
        compute()
    except asyncio.CancelledError:
        pass


async def converted(tick):
    try:
        await tick()
    except BaseException as exc:
        raise RuntimeError("tick") from exc


async def settle(future, err):
    future.set_exception(err)
    with contextlib.suppress(BaseException):
        await future  # already done: this await cannot be where a cancellation arrives
