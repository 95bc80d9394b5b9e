# corpus: task-guard
# expect: changed
# fixed: signals readiness
"""`serve()` starts a listener's accept loop and returns once the loop is listening.

The caller gets the listener back and connects to it afterwards: the accept loop is the server, and
it lives as long as the program, not as long as the call of `serve()`.
"""

import asyncio


class Listener:
    def __init__(self, port):
        self.port = port
        self.backlog = asyncio.Queue()
        self.listening = asyncio.Event()


async def accept_loop(listener, handled):
    listener.listening.set()
    while True:
        client = await listener.backlog.get()
        handled.append(f"{client} on port {listener.port}")


async def serve(port, handled):
    listener = Listener(port)
    asyncio.create_task(accept_loop(listener, handled))
    await listener.listening.wait()
    return listener


async def main():
    handled = []
    listener = await serve(8080, handled)
    for client in ["alice", "bob"]:
        await listener.backlog.put(client)
    for _ in range(5):
        await asyncio.sleep(0)
    print("handled:", handled)


asyncio.run(main())
