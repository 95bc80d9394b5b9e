import time


class Waiter:
    def __init__(self):
        self.ready = False

    async def wait_ready(self):
        while not self.ready:
            time.sleep(0.1)

    async def busy_wait(self):
        while not self.ready:
            pass

    async def spin(self, work):
        while True:
            work()

    async def poll_each(self, items):
        for item in items:
            time.sleep(0.01)
            print(item)
