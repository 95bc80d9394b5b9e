# corpus: match-hoist
# expect: changed
# fixed: each of its 3 arms binds `verb`
"""A line-protocol client: every command is the same request with another verb, so the hoisted form
(one send, the verb chosen by the match) reads better and behaves the same."""

import asyncio


class Client:
    def __init__(self):
        self.wire = []

    async def send(self, verb, *, timeout=None, retries=0):
        await asyncio.sleep(0)
        self.wire.append(f"{verb} t={timeout} r={retries}")


async def run_command(client, cmd):
    match cmd:
        case "list":
            await client.send("LIST", timeout=1, retries=2)
        case "quit":
            # say goodbye first
            await client.send("QUIT", timeout=1, retries=2)
        case _:
            await client.send("NOOP", timeout=1, retries=2)  # keep the connection alive


async def main():
    client = Client()
    for cmd in ("list", "stat", "quit"):
        await run_command(client, cmd)
    print(client.wire)


asyncio.run(main())
