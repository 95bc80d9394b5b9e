class Store:
    def __init__(self, db):
        self._db = db

    async def _query(self, sql, *params):
        return await self._db.fetch(sql, *params)

    async def find(self, key=None, prefix=None):
        if key is not None:
            return await self._query("SELECT * FROM items WHERE key = $1", key)
        elif prefix:
            return await self._query("SELECT * FROM items WHERE key LIKE $1", prefix + "%")
        else:
            return await self._query("SELECT * FROM items", None)
