# corpus: task-guard
# expect: unchanged
# skip: reconnect()
"""A client whose keep-alive, started once by `start()`, survives reconnects.

`reconnect()` closes the current connection and opens a new one; the keep-alive pings whichever
connection is open. `close()` is a step of `reconnect()`, so it is no place to cancel the keep-alive.
"""

import asyncio


class Connection:
    def __init__(self, number):
        self.number = number
        self.pings = 0
        self.open = True


class Client:
    def __init__(self):
        self._conn = None
        self._keepalive = None
        self._opened = 0

    async def _open(self):
        await asyncio.sleep(0)
        self._opened += 1
        self._conn = Connection(self._opened)
        return self._conn

    async def _keep_alive(self):
        while True:
            if self._conn is not None and self._conn.open:
                self._conn.pings += 1
            await asyncio.sleep(0)

    async def start(self):
        conn = await self._open()
        self._keepalive = asyncio.create_task(self._keep_alive())
        return conn

    async def close(self):
        """Close the current connection."""
        if self._conn is not None:
            self._conn.open = False
            self._conn = None

    async def reconnect(self):
        await self.close()
        return await self._open()


async def main():
    client = Client()
    connections = [await client.start()]
    for _ in range(3):
        await asyncio.sleep(0)
    connections.append(await client.reconnect())
    for _ in range(3):
        await asyncio.sleep(0)
    for conn in connections:
        print(f"connection {conn.number} was kept alive:", conn.pings > 0)


asyncio.run(main())
