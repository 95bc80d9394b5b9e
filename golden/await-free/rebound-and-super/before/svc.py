import asyncio


async def get_value():
    return 1


if asyncio.iscoroutinefunction(get_value):
    pass


class Base:
    async def setup(self):
        self.ready = True


class Child(Base):
    async def start(self):
        await super().setup()
        await asyncio.sleep(0)


async def fallback():
    return 0


try:
    from fast import fallback
except ImportError:
    pass


async def main():
    await Child().start()
    await fallback()
