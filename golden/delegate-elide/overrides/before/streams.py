import asyncio


class Base:
    async def read(self):
        return await self._read()

    async def _read(self):
        await asyncio.sleep(0)
        return b""


class Buffered(Base):
    async def read(self):
        return await self._read_buffered()

    async def _read_buffered(self):
        return b"buffered"


class Handler(asyncio.Protocol):
    async def close(self):
        return await asyncio.sleep(0)
