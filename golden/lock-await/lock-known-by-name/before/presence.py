class Presence:
    """The lock comes from outside: only its name says what it is."""

    def __init__(self, write_mutex, observer):
        self._write_mutex = write_mutex
        self._online = {}
        self._observer = observer

    async def set_online(self, user, since):
        async with self._write_mutex:
            self._online[user] = since
            await self._observer.on_presence("online", user)

    async def set_offline(self, user, registry):
        async with registry.lock:
            since = self._online.pop(user, None)
            await self._observer.on_presence("offline", user, since)

    async def count(self, gate):
        async with gate:  # not a lock by any sign: left alone
            await self._observer.on_presence("count", len(self._online))
