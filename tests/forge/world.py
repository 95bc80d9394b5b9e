"""A whole world for the bot: a real remote (a bare repository), a fake GitHub on 127.0.0.1 that reads
the remote's branches, and CI runs that each start from a fresh clone (the bot keeps no state).

The changes come from plain rules (replace this text in that file, with this Change), so these tests are
about delivery; the CLI tests run the real transforms.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from codemods import git as gitops
from codemods.changeset import Changeset, FileChange
from codemods.deliver import pr
from codemods.deliver.forge.github import GitHub
from codemods.model import SAFE, UNSAFE, Change, Skip
from codemods.source import decode

from .fake_github import FakeGitHub

TOKEN = "ghp_s3cr3tT0kenValue0000000000000000000"


def sh(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True).stdout


@dataclass
class Rule:
    path: str
    old: str
    new: str
    transform: str = "await-free"
    message: str = "async def never awaits: now def"
    safety: str = SAFE
    why: str = ""
    unit: str = ""
    line: int = 1


def changeset(root: Path, rules: list[Rule], skips: list[Skip] = ()) -> Changeset:
    cs = Changeset(root=str(root), transforms=sorted({r.transform for r in rules}))
    by_path: dict[str, list[Rule]] = {}
    for rule in rules:
        by_path.setdefault(rule.path, []).append(rule)
    for path, file_rules in sorted(by_path.items()):
        data = (root / path).read_bytes()
        source = decode(data)
        text = source.text
        changes = []
        for rule in file_rules:
            if rule.old in text:
                line = text[: text.index(rule.old)].count("\n") + 1
                text = text.replace(rule.old, rule.new, 1)
                changes.append(Change(path, line, 1, rule.transform, rule.message, rule.safety, rule.why, rule.unit))
        if changes:
            cs.files.append(FileChange(path, data, text, source, changes))
    cs.skips.extend(skips)
    return cs


@dataclass
class World:
    tmp: Path
    files: dict[str, str]
    owner: str = "acme"
    name: str = "service"
    runs: int = 0
    printed: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.bare = self.tmp / "remote.git"
        sh(self.tmp, "init", "-q", "--bare", "-b", "main", str(self.bare))
        self.person = self.tmp / "person"
        sh(self.tmp, "clone", "-q", str(self.bare), str(self.person))
        sh(self.person, "config", "user.name", "Alice Person")
        sh(self.person, "config", "user.email", "alice@example.com")
        for rel, text in self.files.items():
            target = self.person / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
        sh(self.person, "add", "-A")
        sh(self.person, "commit", "-q", "-m", "initial")
        sh(self.person, "push", "-q", "origin", "main")
        self.fake = FakeGitHub(self.owner, self.name, self.bare, TOKEN).start()

    def close(self) -> None:
        self.fake.stop()

    # -- what people do ----------------------------------------------------------------------------
    def person_commits_on_main(self, path: str, old: str, new: str, message: str = "fix by hand") -> None:
        sh(self.person, "checkout", "-q", "main")
        sh(self.person, "pull", "-q", "--ff-only", "origin", "main")
        target = self.person / path
        target.write_text(target.read_text().replace(old, new))
        sh(self.person, "commit", "-q", "-am", message)
        sh(self.person, "push", "-q", "origin", "main")

    def person_pushes_to(self, branch: str, path: str, text: str) -> str:
        sh(self.person, "fetch", "-q", "origin")
        sh(self.person, "checkout", "-q", "-B", branch, f"origin/{branch}")
        (self.person / path).write_text(text)
        sh(self.person, "add", path)
        sh(self.person, "commit", "-q", "-m", "a person's commit")
        sh(self.person, "push", "-q", "origin", branch)
        sh(self.person, "checkout", "-q", "main")
        return sh(self.person, "rev-parse", "HEAD@{1}").strip()

    def tip(self, branch: str) -> str | None:
        return self.fake.branch_tip(branch)

    def remote_branches(self) -> list[str]:
        out = sh(self.bare, "for-each-ref", "--format=%(refname:short)", "refs/heads/")
        return sorted(out.split())

    # -- a CI run ----------------------------------------------------------------------------------
    def checkout(self) -> Path:
        self.runs += 1
        path = self.tmp / f"ci-{self.runs}"
        sh(self.tmp, "clone", "-q", str(self.bare), str(path))
        return path

    def run(self, rules: list[Rule], *, recipe: str = "await-free", settings: pr.Settings | None = None,
            skips: list[Skip] = (), token: str = TOKEN, timeout: float = 5.0, **options) -> list[pr.Outcome]:
        root = self.checkout()
        cs = changeset(root, rules, skips)
        repo = gitops.open_repo(str(root))
        remote = gitops.Remote.open(repo, "origin", token)
        forge = GitHub(self.owner, self.name, token, api_url=self.fake.base_url, timeout=timeout, redact=remote.redact)
        bot = pr.Bot(cs, forge, remote, settings or pr.Settings(), recipe, say=self.printed.append, **options)
        return bot.run()


SERVICE = '''import asyncio


async def load_config():
    return {"retries": 3}


async def main():
    config = await load_config()
    print(config["retries"])
'''

WORKER = '''import asyncio


async def job_name(job):
    return job["name"]


async def run(job):
    print(await job_name(job))
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

LOAD_CONFIG = [
    Rule("app/service.py", "async def load_config():", "def load_config():", unit="load_config", line=4),
    Rule("app/service.py", "await load_config()", "load_config()", message="dropped `await` of load_config()",
         unit="load_config"),
]
JOB_NAME = [
    Rule("jobs/worker.py", "async def job_name(job):", "def job_name(job):", unit="job_name"),
    Rule("jobs/worker.py", "await job_name(job)", "job_name(job)", message="dropped `await` of job_name()",
         unit="job_name"),
]
WALLET_MOVE = [
    Rule("app/wallet.py", "            self.balance += amount\n            await self._notify(self.balance)\n",
         "            self.balance += amount\n            balance = self.balance\n        await self._notify(balance)\n",
         transform="lock-await", message="moved `await self._notify(...)` after the lock", safety=UNSAFE,
         why="the callback now runs after the lock is released"),
]
