# corpus: await-free
# expect: unchanged
# skip: getattr
"""A chat bot that routes events to `on_<event>` methods with a computed getattr; `greet()` also calls
`on_join` directly. Every `on_` method may be reached through the computed name: they stay async."""

import asyncio


class Bot:
    def __init__(self):
        self.members = set()

    async def on_join(self, user):
        self.members.add(user)
        return f"welcome {user}"

    async def on_leave(self, user):
        await asyncio.sleep(0)
        self.members.discard(user)
        return f"bye {user}"

    async def handle(self, event, user):
        handler = getattr(self, "on_" + event)
        return await handler(user)

    async def greet(self, user):
        return await self.on_join(user)


async def main():
    bot = Bot()
    print(await bot.greet("ann"))
    print(await bot.handle("join", "bob"))
    print(await bot.handle("leave", "ann"))
    print(sorted(bot.members))


asyncio.run(main())
