import asyncio


class Session:
    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        return False

    async def reset(self):
        self.state = None


async def use():
    async with Session() as session:
        await session.reset()
