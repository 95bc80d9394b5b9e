import abc
import asyncio
import typing
import unittest

T = typing.TypeVar("T")


class AppTest(unittest.IsolatedAsyncioTestCase):
    async def asyncSetUp(self):
        self.app = await self.make_app()

    async def make_app(self):
        return {"name": "app"}

    async def test_name(self):
        self.assertEqual(self.app["name"], "app")


class Box(typing.Generic[T], abc.ABC):
    def __init__(self, item: T):
        self.item = item

    async def unwrap(self) -> T:
        return self.item

    async def show(self):
        print(await self.unwrap())
        await asyncio.sleep(0)
