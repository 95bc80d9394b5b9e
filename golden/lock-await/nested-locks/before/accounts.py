import asyncio


class Ledger:
    def __init__(self, observer):
        self._accounts_lock = asyncio.Lock()
        self._journal_lock = asyncio.Lock()
        self._balances = {}
        self._journal = []
        self._observer = observer

    async def transfer(self, src, dst, amount):
        async with self._accounts_lock:
            self._balances[src] -= amount
            self._balances[dst] += amount
            async with self._journal_lock:
                self._journal.append((src, dst, amount))
                await self._observer.on_transfer(src, dst, amount)

    async def deposit(self, account, amount):
        async with self._accounts_lock:
            self._balances[account] = self._balances.get(account, 0) + amount
            await self._observer.on_transfer(None, account, amount)
