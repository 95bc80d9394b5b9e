import logging

log = logging.getLogger(__name__)


async def notify(session, user, level):
    if level == "critical":
        log.warning("paging %s", user)
        await session.post(f"/page/{user}", json={"level": 2})
    elif level == "warning":
        await session.post(f"/mail/{user}", json={"level": 1})
    else:
        await session.post(f"/digest/{user}", json={"level": 0})


async def flush(queue, urgent):
    if urgent: await queue.put(None, priority=0)
    else: await queue.put(None, priority=9)
