"""Thin wrappers around the HTTP layer."""
import asyncio


async def _request(method: str, path: str) -> bytes:
    await asyncio.sleep(0)
    return f"{method} {path}".encode()


async def get(path: str) -> bytes:
    """GET a path."""
    return await _request("GET", path)


async def delete(path): return await _request("DELETE", path)


async def pause(seconds: float) -> None:
    return await asyncio.sleep(seconds)


async def not_a_delegation(path):
    # two awaits: not a single-step delegation
    return await _request("GET", await _request("HEAD", path))
