import abc
import asyncio
import asyncio
from typing import Protocol


class Drawable(Protocol):
    async def draw(self) -> str:
        ...


class Shape(abc.ABC):
    @abc.abstractmethod
    async def area(self) -> float:
        ...

    async def describe(self) -> str:
        return f"{type(self).__name__} of area {await self.area()}"

    async def name(self) -> str:
        return "shape"


class Square(Shape):
    def __init__(self, side: float):
        self.side = side

    async def area(self) -> float:
        return self.side**2

    async def name(self) -> str:
        return "square"


async def report(shape: Shape) -> None:
    print(await shape.describe(), await shape.name())
    await asyncio.sleep(0)
