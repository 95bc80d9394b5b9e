"""`codemod apply --commit` end to end: the real command, a real transform, a real repository."""

from __future__ import annotations

import subprocess
import sys

from .conftest import git

SERVICE = '''import asyncio


async def load_config():
    return {"retries": 3}


async def main():
    config = await load_config()
    print(config["retries"])


if __name__ == "__main__":
    asyncio.run(main())
'''


def codemod(cwd, *args):
    return subprocess.run([sys.executable, "-m", "codemods", *args], cwd=cwd, capture_output=True, text=True)


def state(root):
    return (git(root, "rev-parse", "HEAD").stdout, git(root, "symbolic-ref", "HEAD").stdout,
            git(root, "status", "--porcelain").stdout, (root / "service.py").read_bytes())


def test_apply_commit_puts_the_change_on_a_branch_and_leaves_the_checkout(repo):
    root = repo({"service.py": SERVICE})
    before = state(root)
    out = codemod(root, "apply", "-t", "await-free", "--commit", "--no-cache")
    assert out.returncode == 0, out.stderr
    assert state(root) == before  # the file on disk is not rewritten, HEAD and branch unchanged
    assert "Committed 1 file (2 rewrites) on branch codemod/await-free" in out.stderr
    assert "your checkout is unchanged" in out.stderr
    assert "service.py:4:1: await-free" in out.stdout
    shown = git(root, "show", "codemod/await-free:service.py").stdout
    assert "def load_config():" in shown and "async def load_config" not in shown
    msg = git(root, "log", "-1", "--format=%B", "codemod/await-free").stdout
    assert msg.startswith("codemod: await-free\n\n2 rewrites in 1 file") and "- await-free: " in msg
    # a second run: the branch already has it
    again = codemod(root, "apply", "-t", "await-free", "--commit", "--no-cache")
    assert again.returncode == 0 and "already has these changes" in again.stderr


def test_apply_commit_verify_failure_commits_nothing(repo):
    root = repo({"service.py": SERVICE})
    out = codemod(root, "apply", "-t", "await-free", "--commit", "--branch", "fix", "--no-cache",
                  "--verify", f"{sys.executable} -c \"import sys; print('1 failed'); sys.exit(5)\"")
    assert out.returncode == 2
    assert "exited 5 on the patched tree: nothing committed" in out.stderr and "    1 failed" in out.stderr
    assert git(root, "branch", "--list", "fix").stdout == ""


def test_apply_commit_refusals_are_one_line(repo):
    root = repo({"service.py": SERVICE})
    git(root, "checkout", "-q", "--detach")
    out = codemod(root, "apply", "-t", "await-free", "--commit", "--no-cache")
    assert out.returncode == 2 and out.stderr.strip().splitlines()[-1].startswith("error: HEAD is detached")
    bad = codemod(root, "apply", "-t", "await-free", "--commit", "--dry-run")
    assert bad.returncode == 2 and "--commit cannot be combined with --dry-run" in bad.stderr
    bad = codemod(root, "apply", "-t", "await-free", "--branch", "x")
    assert bad.returncode == 2 and "--branch, --message and --verify go with --commit" in bad.stderr
