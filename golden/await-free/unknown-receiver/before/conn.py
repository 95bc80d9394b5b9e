import asyncio


class Connection:
    def __init__(self):
        self.open = True

    async def close(self):
        self.open = False

    async def ping(self):
        return self.open


async def check(conn):
    # conn could be any object with a close() coroutine
    await conn.close()


async def probe():
    conn = Connection()
    alive = await conn.ping()
    await asyncio.sleep(0)
    return alive
