class Registry:
    def __init__(self):
        self.counts = {}

    async def incr(self, name):
        self.counts[name] = self.counts.get(name, 0) + 1

    async def snapshot(self):
        return dict(self.counts)


registry = Registry()
