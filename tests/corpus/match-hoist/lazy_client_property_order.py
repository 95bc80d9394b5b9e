# corpus: match-hoist
# expect: unchanged
# skip: `self.token`
"""An API wrapper whose client connects lazily and whose token is fetched on demand, both logged:
the client is looked up (and connected) before the token is read. Binding the token in the arm would
fetch it before connecting."""

import asyncio


class Client:
    def __init__(self, log):
        self.log = log

    async def request(self, token, path, *, retries=0):
        await asyncio.sleep(0)
        self.log.append(f"GET {path} as {token}")
        return 200


class Service:
    def __init__(self):
        self.log = []
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self.log.append("connect")
            self._client = Client(self.log)
        return self._client

    @property
    def token(self):
        self.log.append("fetch token")
        return "t-123"

    async def call(self, admin):
        if admin:
            return await self.client.request(self.token, "/admin", retries=1)
        else:
            return await self.client.request("anonymous", "/admin", retries=1)


async def main():
    service = Service()
    await service.call(True)
    await service.call(False)
    print(service.log)


asyncio.run(main())
