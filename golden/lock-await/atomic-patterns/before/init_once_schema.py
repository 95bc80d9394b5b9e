"""A repository that creates its tables on first use: the lock makes the first caller finish the setup
before any other caller checks the flag and starts querying."""

import asyncio


class Database:
    def __init__(self):
        self.tables = set()
        self.log = []

    async def create_tables(self):
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        self.tables.add("users")
        self.log.append("created users")

    async def insert(self, table, row):
        await asyncio.sleep(0)
        if table not in self.tables:
            raise RuntimeError(f"no such table: {table}")
        self.log.append(f"insert {row}")


class UserRepository:
    def __init__(self, db):
        self._lock = asyncio.Lock()
        self._db = db
        self._ready = False

    async def _ensure_schema(self):
        async with self._lock:
            if not self._ready:
                await self._db.create_tables()
                self._ready = True

    async def add(self, name):
        await self._ensure_schema()
        try:
            await self._db.insert("users", name)
        except RuntimeError as exc:
            self._db.log.append(f"failed {name}: {exc}")


async def main():
    db = Database()
    repo = UserRepository(db)
    await asyncio.gather(repo.add("ann"), repo.add("bo"), repo.add("cy"))
    print("\n".join(db.log))


asyncio.run(main())
