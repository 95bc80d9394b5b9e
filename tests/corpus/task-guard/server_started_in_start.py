# corpus: task-guard
# expect: changed
# fixed: signals readiness
"""An in-process echo server started by `start()`: its loop must outlive `start()`.

`start()` spawns the server's loop and waits until the loop says it is ready; clients talk to the
server long after `start()` has returned. Cancelling the loop when `start()` exits would leave every
client without an answer.
"""

import asyncio


async def serve_forever(requests, ready):
    ready.set()
    while True:
        text, reply = await requests.get()
        reply.set_result(text.upper())


class EchoServer:
    def __init__(self):
        self.requests = asyncio.Queue()

    async def start(self):
        ready = asyncio.Event()
        asyncio.create_task(serve_forever(self.requests, ready))
        await ready.wait()

    async def ask(self, text):
        reply = asyncio.get_running_loop().create_future()
        await self.requests.put((text, reply))
        for _ in range(10):
            if reply.done():
                return reply.result()
            await asyncio.sleep(0)
        return "(no reply)"


async def main():
    server = EchoServer()
    await server.start()
    for word in ["hello", "world"]:
        print(word, "->", await server.ask(word))


asyncio.run(main())
