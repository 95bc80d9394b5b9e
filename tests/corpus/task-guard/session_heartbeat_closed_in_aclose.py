# corpus: task-guard
# expect: changed
# fixed: cancelled in Session.aclose()
"""A session that keeps its connection alive with a heartbeat it stores on `self`.

The heartbeat belongs to the session object: `aclose()` ends the session, and nothing calls
`aclose()` but the session's user. Left running, the heartbeat would beat on a closed connection.
"""

import asyncio


class Session:
    def __init__(self, name):
        self.name = name
        self.open = False
        self.beats_after_close = 0
        self._heartbeat = None

    async def _beat(self):
        while True:
            if not self.open:
                self.beats_after_close += 1
            await asyncio.sleep(0)

    async def open_session(self):
        await asyncio.sleep(0)
        self.open = True
        self._heartbeat = asyncio.create_task(self._beat())

    async def aclose(self):
        """End the session."""
        self.open = False
        await asyncio.sleep(0)


async def main():
    session = Session("ada")
    await session.open_session()
    for _ in range(3):
        await asyncio.sleep(0)
    await session.aclose()
    print(session.name, "closed:", not session.open)


asyncio.run(main())
