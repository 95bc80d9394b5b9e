class Rooms:
    def __init__(self, guard, lock, watcher):
        self._guard = guard
        self._lock = lock  # not matched: the project's patterns replace the defaults
        self._members = {}
        self._watcher = watcher

    async def join(self, room, user):
        async with self._guard:
            self._members.setdefault(room, set()).add(user)
            await self._watcher.notify(room, user)

    async def leave(self, room, user):
        async with self._lock:
            self._members[room].discard(user)
            await self._watcher.notify(room, user)
