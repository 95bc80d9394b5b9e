import asyncio

from base import Repository


class SqlRepository(Repository):
    async def save(self, item):
        await asyncio.sleep(0)
        self.items.append(item)

    async def total(self):
        return await self.count()


async def main(repo: SqlRepository):
    await repo.save(1)
    print(await SqlRepository().total())
    await asyncio.sleep(0)
