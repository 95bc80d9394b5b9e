import asyncio

background_tasks = set()


async def notify_all(users, message):
    for user in users:
        task = asyncio.create_task(user.notify(message))
        background_tasks.add(task)
        task.add_done_callback(background_tasks.discard)
    await asyncio.sleep(0)


class Notifier:
    def __init__(self):
        self.pending = []
        self.by_user = {}

    async def notify(self, user, message):
        self.pending.append(asyncio.create_task(user.notify(message)))
        self.by_user[user] = asyncio.create_task(user.log(message))
        await asyncio.sleep(0)
