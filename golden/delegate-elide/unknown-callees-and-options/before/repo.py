from collections.abc import Awaitable


class Repo:
    def __init__(self, pool):
        self._pool = pool

    async def count(self, table: str) -> int:
        return await self._pool.fetchval(f"SELECT count(*) FROM {table}")

    async def handle_rows(self, table):
        return await self._pool.fetch(f"SELECT * FROM {table}")

    async def test_connection(self):
        return await self._pool.fetchval("SELECT 1")
