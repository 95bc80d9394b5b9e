"""Message storage of the chat service: an in-memory store behind an async API that never awaits.

The store was written `async` "in case it becomes a database one day": every method is a coroutine
function although none of them ever suspends, and every caller has to await them. `codemod apply -t
await-free examples/service` turns them into plain functions, drops the awaits, and then, one level
up, converts the callers whose only awaits were these (the cascade); `--show-skips` lists what it
leaves alone and why (an async context manager, a function handed to `create_task`).

Run it: python -m examples.service.storage
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field


@dataclass
class Message:
    room: str
    author: str
    text: str
    at: float = field(default_factory=time.monotonic)


async def encode(message: Message) -> str:
    """Serialise a message for the wire (pure computation: nothing to await)."""
    return json.dumps({"room": message.room, "author": message.author, "text": message.text})


class MessageStore:
    """Messages per room, in memory."""

    def __init__(self) -> None:
        self._rooms: dict[str, list[Message]] = {}

    async def add_message(self, message: Message) -> int:
        messages = self._rooms.setdefault(message.room, [])
        messages.append(message)
        return len(messages)

    async def room_history(self, room: str, limit: int = 50) -> list[Message]:
        return self._rooms.get(room, [])[-limit:]

    async def message_count(self, room: str) -> int:
        return len(await self.room_history(room, limit=10**9))

    async def export_room(self, room: str) -> list[str]:
        # awaits only methods of this class that never await: becomes plain too (cascade)
        return [await encode(m) for m in await self.room_history(room)]

    async def __aenter__(self) -> "MessageStore":
        return self  # async dunders stay coroutines: `async with` needs them

    async def __aexit__(self, *exc: object) -> None:
        self._rooms.clear()


async def post_message(store: MessageStore, room: str, author: str, text: str) -> int:
    """Store a message and return the room's new size."""
    return await store.add_message(Message(room, author, text))


async def compact(store: MessageStore, room: str) -> int:
    """Handed to create_task below: its caller holds a task, so it must stay a coroutine function."""
    return await store.message_count(room)


async def main() -> None:
    store = MessageStore()
    async with store:
        await post_message(store, "lobby", "ana", "hello")
        await post_message(store, "lobby", "bo", "hi ana")
        await asyncio.sleep(0)  # a real suspension point: main stays async
        size = await asyncio.create_task(compact(store, "lobby"))
        print(f"lobby has {size} messages")
        for line in await store.export_room("lobby"):
            print(line)


if __name__ == "__main__":
    asyncio.run(main())
