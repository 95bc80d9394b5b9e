"""A line-protocol client: each command is one request."""


class Client:
    def __init__(self, writer):
        self._writer = writer

    async def send(self, verb, timeout=None):
        self._writer.write(f"{verb}\r\n".encode())
        await self._writer.drain()


async def run_command(client: Client, cmd: str) -> None:
    match cmd:
        case "list":
            await client.send("LIST", timeout=1)
        case "quit":
            # say goodbye first
            await client.send("QUIT", timeout=1)
        case _:
            await client.send("NOOP", timeout=1)  # keep the connection alive
