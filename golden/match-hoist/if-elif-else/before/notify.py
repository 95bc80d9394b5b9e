import logging

log = logging.getLogger(__name__)


class Session:
    async def post(self, path, *, json=None, timeout=None):
        ...


async def notify(session: Session, user, level):
    if level == "critical":
        log.warning("paging %s", user)
        await session.post("/page", json={"user": user, "level": 2}, timeout=5)
    elif level == "warning":
        await session.post("/mail", json={"user": user, "level": 1}, timeout=5)
    else:
        await session.post("/digest", json={"user": user, "level": 0}, timeout=5)


async def flush(queue, urgent):
    if urgent: await queue.put(None, priority=0)
    else: await queue.put(None, priority=9)
