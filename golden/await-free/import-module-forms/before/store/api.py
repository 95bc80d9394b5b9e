import asyncio
import store.backend
import store.backend as db
from store import backend


async def copy(src: str, dst: str) -> None:
    value = await store.backend.fetch(src)
    await db.put(dst, value)
    await backend.put(src + ".bak", value)
    await asyncio.sleep(0)
