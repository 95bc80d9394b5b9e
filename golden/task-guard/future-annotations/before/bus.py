"""An event bus that notifies its listeners in the background."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable

Listener = Callable[[str], Awaitable[None]]


async def publish(listeners: list[Listener], event: str) -> None:
    for listener in listeners:
        asyncio.create_task(listener(event))
    await asyncio.sleep(0)
