# corpus: await-free
# expect: unchanged
# skip: metaclass
"""Plugins whose metaclass collects the coroutine methods named `on_*` into an event table when the
class is created. `Audit.on_login` never awaits: as a plain method it would silently drop out."""

import asyncio
import inspect


class PluginMeta(type):
    def __new__(mcs, name, bases, ns):
        cls = super().__new__(mcs, name, bases, ns)
        cls.events = sorted(k[3:] for k, v in ns.items() if k.startswith("on_") and inspect.iscoroutinefunction(v))
        return cls


class Plugin(metaclass=PluginMeta):
    pass


class Audit(Plugin):
    def __init__(self):
        self.log = []

    async def on_login(self, user):
        self.log.append(f"login {user}")

    async def on_logout(self, user):
        await asyncio.sleep(0)
        self.log.append(f"logout {user}")

    async def replay(self, users):
        for user in users:
            await self.on_login(user)


async def main():
    audit = Audit()
    await audit.replay(["ann"])
    print(Audit.events, audit.log)


asyncio.run(main())
