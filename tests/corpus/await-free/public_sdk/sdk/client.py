class Client:
    def __init__(self, name):
        self.name = name
        self.closed = False

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        await self.close()

    async def close(self):  # today it only marks the client; users await it
        self.closed = True
