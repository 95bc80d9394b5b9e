"""The mail module: a module-level transport that queues, replaced by the application at start-up."""


class QueueTransport:
    def __init__(self):
        self.queue = []

    async def send(self, to, body):  # queued for the batch job: nothing to wait for
        self.queue.append((to, body))
        return "queued"


transport = QueueTransport()


async def send_welcome(user):
    status = await transport.send(user, f"Welcome, {user}!")
    return f"welcome mail to {user}: {status}"
