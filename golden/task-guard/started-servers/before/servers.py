import asyncio


async def accept_loop(listener, ready):
    ready.set()
    while True:
        await listener.accept()


async def read_frames(sock, inbox):
    while True:
        await inbox.put(await sock.recv())


async def heartbeat(session):
    while True:
        await session.ping()


class Server:
    def __init__(self, listener):
        self.listener = listener

    async def start(self):
        ready = asyncio.Event()
        asyncio.create_task(accept_loop(self.listener, ready))
        await ready.wait()


class Client:
    def __init__(self, sock):
        self.sock = sock
        self.inbox = asyncio.Queue()

    async def connect(self):
        asyncio.create_task(read_frames(self.sock, self.inbox))
        await self.sock.send(b"hello")


async def serve(listener):
    started = asyncio.get_running_loop().create_future()
    asyncio.create_task(announce_when_listening(listener, started))
    await started
    return listener


async def announce_when_listening(listener, started):
    started.set_result(None)
    await listener.wait_closed()


async def serve_session(session):
    """Serve one session until it ends; the heartbeat belongs to it."""
    asyncio.create_task(heartbeat(session))
    while (request := await session.recv()) is not None:
        await session.reply(request)
