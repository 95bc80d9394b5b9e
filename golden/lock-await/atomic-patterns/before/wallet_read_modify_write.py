"""A wallet service: the lock makes "read the balance, write it back plus the amount" atomic.

Each deposit reads the balance from the store and writes the new one back; the store yields between
calls, as a network store does. Without the lock held across both awaits, concurrent deposits lose
updates.
"""

import asyncio


class BalanceStore:
    def __init__(self):
        self._rows = {}

    async def get_balance(self, account):
        await asyncio.sleep(0)
        return self._rows.get(account, 0)

    async def set_balance(self, account, value):
        await asyncio.sleep(0)
        self._rows[account] = value


class Wallet:
    def __init__(self, store):
        self._lock = asyncio.Lock()
        self._store = store
        self.deposits = 0

    async def deposit(self, account, amount):
        async with self._lock:
            self.deposits += 1
            balance = await self._store.get_balance(account)
            await self._store.set_balance(account, balance + amount)


async def main():
    store = BalanceStore()
    wallet = Wallet(store)
    await asyncio.gather(*(wallet.deposit("alice", 10) for _ in range(5)), wallet.deposit("bob", 7))
    print("alice:", await store.get_balance("alice"))
    print("bob:", await store.get_balance("bob"))
    print("deposits:", wallet.deposits)


asyncio.run(main())
