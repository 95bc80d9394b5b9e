import asyncio

_background_tasks = set()


async def record(entry):
    await asyncio.sleep(0)


async def transfer(ledger, src, dst, amount):
    ledger.move(src, dst, amount)
    asyncio.create_task(record(f"{src} -> {dst}: {amount}"))
    await ledger.commit()
