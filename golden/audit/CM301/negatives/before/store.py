import abc
import asyncio
import contextlib


async def sleeps():
    await asyncio.sleep(0)


async def iterates(source):
    async for item in source:
        print(item)


async def agen():
    yield 1  # an async generator


class Base(abc.ABC):
    @abc.abstractmethod
    async def fetch(self):
        ...


class Impl(Base):
    async def fetch(self):  # implements an interface: async is required
        return 1


class Plain:
    async def __aenter__(self):
        return self

    async def stub(self):
        raise NotImplementedError


@contextlib.asynccontextmanager
async def managed():
    yield


async def waits_in_comprehension(items):
    return [await item for item in items]


async def async_setup_entry(hass, entry):
    """A hook a plugin loader finds by name: nothing in this module calls it, its caller awaits it."""
    hass.data[entry] = True
    return True


async def on_update(hass, entry):
    hass.data[entry] = "updated"


def setup(hass):
    hass.register(on_update)  # a callback handed to the framework, which awaits it
