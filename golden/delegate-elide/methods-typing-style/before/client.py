from typing import Any, Optional


class Client:
    def __init__(self, session: Any) -> None:
        self._session = session

    async def fetch(self, url: str, *, timeout: Optional[float] = None) -> bytes:
        return await self._request("GET", url, timeout=timeout)

    async def _request(self, method: str, url: str, timeout: Optional[float]) -> bytes:
        async with self._session.request(method, url, timeout=timeout) as response:
            return await response.read()
