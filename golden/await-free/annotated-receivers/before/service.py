import asyncio

from models import Account, pay


async def main(account: Account | None = None) -> None:
    account = account or Account(0)
    await pay(account, 10)
    await asyncio.sleep(0)
