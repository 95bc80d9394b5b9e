import asyncio


class TokenCache:
    def __init__(self, client):
        self._lock = asyncio.Lock()
        self._tokens = {}
        self._client = client

    async def token(self, scope):
        async with self._lock:
            token = self._tokens.get(scope)
            if token is None:
                token = await self._client.fetch_token(scope)
                self._tokens[scope] = token
            return token

    async def refresh_all(self):
        async with self._lock:
            for scope in list(self._tokens):
                self._tokens[scope] = await self._client.fetch_token(scope)

    async def rotate(self, scope):
        async with self._lock:
            old = self._tokens.pop(scope, None)
            fresh = await self._client.fetch_token(scope)
            self._tokens[scope] = fresh
        return old
