# corpus: task-guard
# expect: changed
# fixed: fan-out
"""A chat room that notifies every member when a message is posted: fire-and-forget fan-out.

`post()` returns as soon as the message is stored; each notification finishes on its own, later.
Cancelling them when `post()` returns would lose every notification still on its way.
"""

import asyncio


class Member:
    def __init__(self, name):
        self.name = name
        self.seen = []

    async def notify(self, text):
        for _ in range(3):  # the push service takes a few round trips
            await asyncio.sleep(0)
        self.seen.append(text)


class Room:
    def __init__(self, members):
        self.members = members
        self.history = []
        self.saved = 0

    async def save(self):
        await asyncio.sleep(0)
        self.saved = len(self.history)

    async def post(self, author, text):
        self.history.append((author, text))
        for member in self.members:
            if member.name != author:
                asyncio.create_task(member.notify(f"{author}: {text}"))
        await self.save()


async def main():
    room = Room([Member("ada"), Member("grace"), Member("linus")])
    await room.post("ada", "hi all")
    await room.post("grace", "hello ada")
    for _ in range(10):
        await asyncio.sleep(0)
    for member in room.members:
        print(member.name, "saw", member.seen)
    print("saved messages:", room.saved)


asyncio.run(main())
