"""A session reaper whose observer may fail: each expired session is removed and reported in turn, and
when the observer raises, the sessions not yet reaped stay for the next round. Collecting the reports
after the loop would remove every session before the first report fails."""

import asyncio


class AuditObserver:
    def __init__(self, broken):
        self.broken = broken
        self.seen = []

    async def on_expire(self, sid):
        await asyncio.sleep(0)
        if sid in self.broken:
            raise ConnectionError(f"audit log unavailable while reporting {sid}")
        self.seen.append(sid)


class Sessions:
    def __init__(self, observer):
        self._lock = asyncio.Lock()
        self._observer = observer
        self._sessions = {"s1": 1, "s2": 2, "s3": 3, "s4": 9}

    async def reap(self, now):
        async with self._lock:
            expired = [sid for sid, deadline in self._sessions.items() if deadline <= now]
            for sid in expired:
                del self._sessions[sid]
                await self._observer.on_expire(sid)


async def main():
    observer = AuditObserver(broken={"s2"})
    sessions = Sessions(observer)
    try:
        await sessions.reap(now=5)
    except ConnectionError as exc:
        print("reap failed:", exc)
    print("still open:", sorted(sessions._sessions))
    print("reported:", observer.seen)


asyncio.run(main())
