class Client:
    async def close(self):
        self.closed = True


async def connect():
    return Client()


async def _handshake(client):
    client.ready = True


async def open_client():
    client = await connect()
    await _handshake(client)
    await client.close()
    return client
