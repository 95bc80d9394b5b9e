import asyncio
import time


class SessionTable:
    def __init__(self, observer, clock=time.monotonic):
        self._lock = asyncio.Lock()
        self._sessions = {}
        self._observer = observer
        self._clock = clock

    async def touch(self, sid, ttl):
        async with self._lock:
            self._sessions[sid] = self._clock() + ttl

    async def prune_expired(self):
        """Drop expired sessions and tell the observer about each."""
        async with self._lock:
            now = self._clock()
            expired = [sid for sid, deadline in self._sessions.items() if deadline <= now]
            for sid in expired:
                deadline = self._sessions.pop(sid)
                await self._observer.on_expire(sid, now - deadline)
            return len(expired)


class Recorder:
    def __init__(self):
        self.events = []

    async def on_expire(self, sid, overdue):
        await asyncio.sleep(0)
        self.events.append((sid, overdue))


async def main():
    now = [100.0]
    recorder = Recorder()
    table = SessionTable(recorder, clock=lambda: now[0])
    for i in range(5):
        await table.touch(f"s{i}", ttl=i)
    now[0] = 102.5
    print("pruned", await table.prune_expired())
    print("pruned", await table.prune_expired())
    print(recorder.events)


if __name__ == "__main__":
    asyncio.run(main())
