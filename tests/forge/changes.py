"""Changesets for delivery tests, made from real files in a real repository.

Delivery renders whatever a run produced; building the Changeset here (rather than running a transform)
keeps these tests about commits and pull requests, independent of how each transform evolves. The CLI
tests run the real transforms end to end.
"""

from __future__ import annotations

from pathlib import Path

from codemods.changeset import Changeset, FileChange
from codemods.model import SAFE, UNSAFE, Change, Skip
from codemods.source import decode


def changeset(root: Path, edits: dict[str, tuple[str, str, list[Change]]], skips: list[Skip] | None = None,
              transforms: list[str] | None = None) -> Changeset:
    """``edits``: path → (old fragment, new fragment, changes); the file on disk is read and rewritten."""
    cs = Changeset(root=str(root), transforms=transforms or sorted({c.transform for _, _, cc in edits.values() for c in cc}))
    for path, (old, new, changes) in sorted(edits.items()):
        data = (root / path).read_bytes()
        source = decode(data)
        assert old in source.text, (path, old)
        cs.files.append(FileChange(path, data, source.text.replace(old, new, 1), source, list(changes)))
    cs.skips.extend(skips or [])
    cs.stats["files"] = len(edits)
    return cs


def safe(path: str, line: int, transform: str = "await-free", message: str = "async def load() never awaits: now def",
         unit: str = "") -> Change:
    return Change(path, line, 1, transform, message, SAFE, "", unit)


def unsafe(path: str, line: int, transform: str = "lock-await", message: str = "moved `await notify()` after the lock",
           why: str = "the callback now runs after the lock is released") -> Change:
    return Change(path, line, 5, transform, message, UNSAFE, why)


SERVICE = '''import asyncio


async def load_config():
    return {"retries": 3}


async def main():
    config = await load_config()
    print(config["retries"])
'''

WALLET = '''import asyncio


class Wallet:
    def __init__(self, notify):
        self._lock = asyncio.Lock()
        self.balance = 0
        self._notify = notify

    async def deposit(self, amount):
        async with self._lock:
            self.balance += amount
            await self._notify(self.balance)
'''

WALLET_AFTER_OLD = '''            self.balance += amount
            await self._notify(self.balance)
'''
WALLET_AFTER_NEW = '''            self.balance += amount
            balance = self.balance
        await self._notify(balance)
'''


def service_edit(path: str = "app/service.py") -> dict:
    return {path: ("async def load_config():", "def load_config():",
                   [safe(path, 4)]),}


def service_edit_full(path: str = "app/service.py") -> dict:
    return {path: ("async def load_config():\n    return {\"retries\": 3}\n\n\nasync def main():\n    config = await load_config()",
                   "def load_config():\n    return {\"retries\": 3}\n\n\nasync def main():\n    config = load_config()",
                   [safe(path, 4, unit="await-free:load_config"), safe(path, 9, message="dropped `await` of load_config()", unit="await-free:load_config")])}


def wallet_edit(path: str = "app/wallet.py") -> dict:
    return {path: (WALLET_AFTER_OLD, WALLET_AFTER_NEW, [unsafe(path, 13)])}
