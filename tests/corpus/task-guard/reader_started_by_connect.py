# corpus: task-guard
# expect: changed
# fixed: started by connect()
"""A client whose `connect()` starts the reader that delivers every later reply.

The reader belongs to the connection, not to the call of `connect()`: after the handshake it must keep
reading frames for the rest of the client's life.
"""

import asyncio


class FakeSocket:
    def __init__(self):
        self.incoming = asyncio.Queue()

    async def send(self, frame):
        await asyncio.sleep(0)
        await self.incoming.put(f"ack {frame}")


async def read_frames(sock, inbox):
    while True:
        frame = await sock.incoming.get()
        await inbox.put(frame)


class Client:
    def __init__(self):
        self.sock = FakeSocket()
        self.inbox = asyncio.Queue()

    async def connect(self):
        asyncio.create_task(read_frames(self.sock, self.inbox))
        await self.sock.send("hello")
        return await self.inbox.get()

    async def call(self, name):
        await self.sock.send(name)
        for _ in range(10):
            if not self.inbox.empty():
                return self.inbox.get_nowait()
            await asyncio.sleep(0)
        return "(no reply)"


async def main():
    client = Client()
    print("handshake:", await client.connect())
    for name in ["status", "list"]:
        print(name, "->", await client.call(name))


asyncio.run(main())
