# corpus: match-hoist
# expect: unchanged
# skip: would be evaluated before `self.transport.send`
"""An alert router: the transport is looked up before the route, so a disconnected notifier reports
"not connected" (and queues the alert) even for a kind without a route. Binding the route in each arm
would raise KeyError first and drop the alert."""

import asyncio

ROUTES = {"alerts": "#ops", "deploys": "#releases"}


class Transport:
    def __init__(self):
        self.sent = []

    async def send(self, channel, payload, *, retries=0):
        await asyncio.sleep(0)
        self.sent.append((channel, payload, retries))


class Notifier:
    def __init__(self, transport):
        self.transport = transport
        self.backlog = []

    async def route(self, kind, payload):
        if kind == "alert":
            await self.transport.send(ROUTES["alerts"], payload, retries=3)
        else:
            await self.transport.send(ROUTES[kind], payload, retries=3)

    async def notify(self, kind, payload):
        try:
            await self.route(kind, payload)
        except AttributeError:
            self.backlog.append((kind, payload))
            return "not connected: queued"
        except KeyError:
            return "unknown route: dropped"
        return "sent"


async def main():
    offline = Notifier(None)
    print(await offline.notify("metrics", "cpu 93%"), offline.backlog)
    online = Notifier(Transport())
    print(await online.notify("alert", "disk full"), await online.notify("deploys", "v2"))
    print(await online.notify("metrics", "cpu 93%"), online.transport.sent)


asyncio.run(main())
