import asyncio
import inspect


class Service:
    async def start(self) -> str:
        return await self._connect()

    async def _connect(self) -> str:
        await asyncio.sleep(0)
        return "up"


def lifecycle(obj):
    """The methods the supervisor must await: it tells them apart by asking."""
    return [name for name, member in inspect.getmembers(obj) if inspect.iscoroutinefunction(member)]
