# corpus: task-guard
# expect: changed
# fixed: fan-out
"""A bank transfer that writes an audit record in the background: fire-and-forget.

The transfer must not wait for the audit store, but every record must be written in the end:
cancelling the write when `transfer()` returns loses the audit trail.
"""

import asyncio


class AuditLog:
    def __init__(self):
        self.records = []

    async def record(self, who, what):
        for _ in range(3):  # a slow remote store
            await asyncio.sleep(0)
        self.records.append(f"{who}: {what}")


class Ledger:
    def __init__(self):
        self.balances = {"ada": 100, "grace": 50}

    async def commit(self):
        await asyncio.sleep(0)


async def transfer(ledger, audit, src, dst, amount):
    ledger.balances[src] -= amount
    ledger.balances[dst] += amount
    asyncio.create_task(audit.record(src, f"sent {amount} to {dst}"))
    await ledger.commit()
    return ledger.balances[src]


async def main():
    ledger, audit = Ledger(), AuditLog()
    print("ada has", await transfer(ledger, audit, "ada", "grace", 30))
    print("grace has", await transfer(ledger, audit, "grace", "ada", 10))
    for _ in range(10):
        await asyncio.sleep(0)
    print("audit:", audit.records)


asyncio.run(main())
