import abc
import dataclasses


def traced(cls):
    return cls


class Meta(type):
    pass


class Registered:
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)


@traced
class Repository:
    async def find(self, key):
        return key


class Plugin(metaclass=Meta):
    async def load(self):
        return 1


class Command(Registered):
    async def run(self):
        return 2


class Handler:
    async def handle(self, event):
        return event


LoudHandler = type("LoudHandler", (Handler,), {"handle": None})


@dataclasses.dataclass
class Point:
    x: int

    async def norm(self):
        return abs(self.x)


class Base(metaclass=abc.ABCMeta):
    async def ping(self):
        return "pong"


async def main(repo: Repository, plugin: Plugin, command: Command, handler: Handler, point: Point, base: Base):
    return (
        await repo.find(1), await plugin.load(), await command.run(), await handler.handle(2),
        await point.norm(), await base.ping(),
    )
