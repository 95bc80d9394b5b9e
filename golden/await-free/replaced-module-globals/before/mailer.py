class QueueTransport:
    async def send(self, to, body):
        return (to, body)


class Audit:
    async def record(self, entry):
        return entry


transport = QueueTransport()
audit = Audit()


async def send_welcome(user):
    return await transport.send(user, "welcome")


async def log(entry):
    return await audit.record(entry)
