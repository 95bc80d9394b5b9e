class Store:
    def __init__(self, db):
        self._db = db

    async def _query(self, sql, *params):
        return await self._db.fetch(sql, *params)

    async def recent(self, key, newest_first):
        if newest_first:
            return await self._query("SELECT * FROM items WHERE key = $1 ORDER BY ts DESC", key)
        else:
            return await self._query("SELECT * FROM items WHERE key = $1 ORDER BY ts", key)

    async def find(self, key=None, prefix=None):
        # the second argument lands in *params: no name to give it
        if key is not None:
            return await self._query("SELECT * FROM items WHERE key = $1", key)
        elif prefix:
            return await self._query("SELECT * FROM items WHERE key LIKE $1", prefix)
        else:
            return await self._query("SELECT * FROM items", None)
