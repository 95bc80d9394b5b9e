"""Chat commands of the service: each line a client types becomes one message on the bus.

Run it: python -m examples.service.commands
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field


@dataclass
class Bus:
    """Where commands end up: a queue of (channel, text, urgent) deliveries."""

    queue: asyncio.Queue[tuple[str, str, bool]] = field(default_factory=asyncio.Queue)

    async def post(self, channel: str, text: str, *, urgent: bool = False) -> None:
        await asyncio.sleep(0)  # a real bus would write to a socket here
        await self.queue.put((channel, text, urgent))


@dataclass
class Client:
    nick: str
    room: str = "lobby"
    muted: bool = False


class Commands:
    """Parses and runs one client's commands."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus

    async def notify(self, client: Client, text: str) -> None:
        await self.bus.post(f"user/{client.nick}", text)

    async def run(self, client: Client, line: str) -> None:
        match line.split(maxsplit=1):
            case ["/join", room]:
                client.room = room
                await self.bus.post(f"room/{room}", f"{client.nick} joined", urgent=False)
            case ["/nick", new]:
                old, client.nick = client.nick, new
                await self.bus.post(f"room/{client.room}", f"{old} is now {new}", urgent=False)
            case ["/me", action]:
                await self.bus.post(f"room/{client.room}", f"* {client.nick} {action}", urgent=False)
            case _:
                await self.bus.post(f"room/{client.room}", f"<{client.nick}> {line}", urgent=False)

    async def report(self, client: Client, reason: str, severity: int) -> None:
        """Route an abuse report: the worse it is, the more people see it."""
        if severity >= 3:
            client.muted = True
            await self.bus.post("ops/pager", f"{client.nick}: {reason}", urgent=True)
        elif severity == 2:
            await self.bus.post("ops/moderators", f"{client.nick}: {reason}", urgent=False)
        else:
            await self.bus.post("ops/log", reason, urgent=False)


async def main() -> None:
    bus = Bus()
    commands = Commands(bus)
    ada = Client("ada")
    for line in ["/join rust", "hello all", "/me waves", "/nick lovelace", "/part"]:
        await commands.run(ada, line)
    await commands.report(ada, "flooding", 2)
    await commands.report(ada, "spam links", 3)
    await commands.report(ada, "typo", 1)
    await commands.notify(ada, "you are muted" if ada.muted else "welcome")
    while not bus.queue.empty():
        channel, text, urgent = bus.queue.get_nowait()
        print(f"{'!' if urgent else ' '} {channel:<16} {text}")


if __name__ == "__main__":
    asyncio.run(main())
