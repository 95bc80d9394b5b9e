import asyncio


async def backoff(attempt: int, error: Exception) -> None:
    match error:
        case TimeoutError() if attempt < 3:
            await asyncio.sleep(0.1 * attempt)
        case ConnectionError() if attempt < 5:
            await asyncio.sleep(1.0)
        case _:
            await asyncio.sleep(5.0)


async def grace(kind: str) -> None:
    # the last case has a guard: a kind that matches nothing awaits nothing
    match kind:
        case "fast":
            await asyncio.sleep(0)
        case _ if kind.startswith("slow"):
            await asyncio.sleep(1)
