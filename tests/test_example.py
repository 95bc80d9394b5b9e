"""The bundled example service runs the same before and after `codemod apply --transform all`, with and
without `--unsafe-fixes` (lock-await's and task-guard's guards are unsafe by design: `all` holds them back)."""

from __future__ import annotations

import shutil
import subprocess
import sys

from .conftest import ROOT, git, make_repo


def run_service(cwd) -> str:
    out = subprocess.run([sys.executable, "-m", "examples.service"], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def apply_all(repo, *flags: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "codemods", "apply", "--transform", "all", "--no-cache", *flags, "examples/"],
        cwd=repo, capture_output=True, text=True,
    )


def example_repo(path):
    repo = make_repo(path)
    shutil.copytree(ROOT / "examples", repo / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    # as this repository's pyproject.toml says: the example is an application, its only user
    (repo / "pyproject.toml").write_text("[tool.codemod.await-free]\ninclude-public = true\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "example")
    return repo


def test_example_service_behaves_the_same_after_every_transform(tmp_path):
    repo = example_repo(tmp_path / "repo")
    before = run_service(repo)
    out = apply_all(repo)
    assert out.returncode == 0, out.stdout + out.stderr
    changed = {line.split(":", 1)[0] for line in out.stdout.splitlines()}
    transforms = {line.split(": ")[1].split(" [")[0] for line in out.stdout.splitlines()}  # "name [safe]"
    assert {"await-free", "task-guard"} <= transforms, out.stdout
    assert "lock-await" not in transforms  # its fixes are unsafe: held back
    assert "match-hoist" not in transforms  # opt-in: a readability rewrite, not part of `all`
    assert len(changed) >= 2
    # `all` applies safe fixes only: the heartbeat's cancel guard (unsafe: it changes how long the task
    # lives) is held back and counted, the announcer is only kept alive (safe), so nothing changes
    assert "unsafe fix" in out.stderr and "held back" in out.stderr, out.stderr
    assert "tasks still running after every session ended: 2" in before
    assert run_service(repo) == before
    # and a second run finds nothing left to do
    git(repo, "commit", "-qam", "codemod")
    again = apply_all(repo, "--dry-run")
    assert again.returncode == 0 and again.stdout == "", again.stdout


def test_example_service_with_unsafe_fixes_ends_its_heartbeats_and_nothing_else(tmp_path):
    repo = example_repo(tmp_path / "repo")
    before = run_service(repo)
    out = apply_all(repo, "--unsafe-fixes")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "task-guard [unsafe]: task `heartbeat_task` is now cancelled when serve_session() exits" in out.stdout
    # the seed audit's fix: the cache's three notifications move after its lock
    lines = out.stdout.splitlines()
    assert sum(line.startswith("examples/service/cache.py:") and ": lock-await [unsafe]" in line for line in lines) == 3
    # the guarded heartbeats no longer outlive their sessions; everything else is unchanged
    assert run_service(repo) == before.replace(
        "tasks still running after every session ended: 2", "tasks still running after every session ended: 0"
    )
    git(repo, "commit", "-qam", "codemod")
    again = apply_all(repo, "--unsafe-fixes", "--dry-run")
    assert again.returncode == 0 and again.stdout == "", again.stdout
