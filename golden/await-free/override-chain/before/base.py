class Repository:
    async def save(self, item):
        self.items.append(item)

    async def count(self):
        return len(self.items)
