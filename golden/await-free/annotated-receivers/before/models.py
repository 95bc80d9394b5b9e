from typing import Any


class Account:
    def __init__(self, balance: int) -> None:
        self.balance = balance

    async def deposit(self, amount: int) -> int:
        self.balance += amount
        return self.balance

    async def describe(self) -> str:
        return f"balance {self.balance}"


async def pay(account: Account, amount: int) -> int:
    return await account.deposit(amount)


async def show(thing: Any) -> str:
    # Any: thing could be an object of any class with a describe() coroutine
    return await thing.describe()
