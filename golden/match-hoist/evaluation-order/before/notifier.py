ROUTES = {"alerts": "#ops", "digest": "#team"}


class Transport:
    async def send(self, channel, payload, *, retries=0):
        ...


class Notifier:
    def __init__(self, transport: Transport | None):
        self.transport = transport
        self.level = 1

    async def route(self, kind, payload):
        # `self.transport.send` is looked up first (AttributeError when disconnected), then the
        # route (KeyError for an unknown kind): binding the route first would swap the two
        if kind == "alert":
            await self.transport.send(ROUTES["alerts"], payload, retries=3)
        else:
            await self.transport.send(ROUTES[kind], payload, retries=3)

    async def escalate(self, payload, urgent):
        # `self.level` is an attribute read: it could run a property, so it stays in its call
        if urgent:
            await self.transport.send("#ops", payload, retries=self.level)
        else:
            await self.transport.send("#ops", payload, retries=0)

    async def broadcast(self, payload, urgent):
        # literals run no code and cannot raise: binding them first changes nothing
        if urgent:
            await self.transport.send("#ops", payload, retries=5)
        else:
            await self.transport.send("#team", payload, retries=1)
