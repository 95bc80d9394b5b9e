import asyncio


class Dispatcher:
    async def handle_ping(self):
        return "pong"

    async def handle_quit(self):
        return "bye"

    async def dispatch(self, cmd):
        if cmd == "ping":
            return await getattr(self, "handle_ping")()
        method = getattr(self, "handle_" + cmd)
        result = await method()
        await asyncio.sleep(0)
        return result
