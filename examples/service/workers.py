"""Background work of the chat service: per-session heartbeats and presence, message fan-out.

Run it: python -m examples.service.workers
"""

from __future__ import annotations

import asyncio

HEARTBEAT_INTERVAL = 0.01


class Session:
    """One connected client: an inbox the server delivers from, and what it has delivered."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.inbox: asyncio.Queue[str | None] = asyncio.Queue()
        self.delivered: list[str] = []
        self.beats = 0


async def heartbeat(session: Session) -> None:
    """Tell the client we are alive, forever: only its owner can stop it."""
    while True:
        session.beats += 1
        await asyncio.sleep(HEARTBEAT_INTERVAL)


async def announce_presence(session: Session, room: list[Session]) -> None:
    for other in room:
        if other is not session:
            await other.inbox.put(f"{session.name} joined")


async def serve_session(session: Session, room: list[Session]) -> None:
    """Deliver a session's inbox until the session ends (a None in its inbox)."""
    # keep the client's connection alive while we serve it
    asyncio.create_task(heartbeat(session))
    announcer = asyncio.create_task(announce_presence(session, room))
    announcer.set_name(f"announce-{session.name}")
    while True:
        message = await session.inbox.get()
        if message is None:
            break
        session.delivered.append(message)


# Deliveries in flight: the set keeps each task alive until it is done (the asyncio docs' pattern).
_deliveries: set[asyncio.Task[None]] = set()


async def broadcast(room: list[Session], text: str) -> None:
    for session in room:
        delivery = asyncio.create_task(session.inbox.put(text))
        _deliveries.add(delivery)
        delivery.add_done_callback(_deliveries.discard)


async def main() -> None:
    room = [Session("ada"), Session("grace")]
    servers = [asyncio.create_task(serve_session(session, room)) for session in room]
    await asyncio.sleep(HEARTBEAT_INTERVAL)
    await broadcast(room, "hello")
    await asyncio.sleep(HEARTBEAT_INTERVAL)
    for session in room:
        await session.inbox.put(None)
    await asyncio.gather(*servers)
    for session in room:
        print(f"{session.name}: {', '.join(session.delivered)}")
    leftover = [t for t in asyncio.all_tasks() if t is not asyncio.current_task() and not t.done()]
    print(f"tasks still running after every session ended: {len(leftover)}")


if __name__ == "__main__":
    asyncio.run(main())
