"""Chat rooms: every notification is fire-and-forget."""

import asyncio
import logging

log = logging.getLogger(__name__)


class Room:
    def __init__(self, members):
        self.members = members

    async def post(self, author, text):
        for member in self.members:
            if member is not author:
                asyncio.create_task(member.notify(text))
        await self.save(text)

    async def publish(self, event):
        [asyncio.create_task(m.on_event(event)) for m in self.members]
        await asyncio.sleep(0)

    async def greet(self, newcomer):
        greetings = {asyncio.create_task(m.send(f"{newcomer} joined")) for m in self.members}
        await self.save(f"{newcomer} joined")

    async def forget(self, event):
        (asyncio.create_task(m.on_event(event)) for m in self.members)
        await asyncio.sleep(0)

    async def save(self, text):
        log.info("saved %s", text)
