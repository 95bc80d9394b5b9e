"""The bundled example service runs the same before and after `codemod apply --transform all`."""

from __future__ import annotations

import shutil
import subprocess
import sys

from .conftest import ROOT, git, make_repo


def run_service(cwd) -> str:
    out = subprocess.run([sys.executable, "-m", "examples.service"], cwd=cwd, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_example_service_behaves_the_same_after_every_transform(tmp_path):
    repo = make_repo(tmp_path / "repo")
    shutil.copytree(ROOT / "examples", repo / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "example")
    before = run_service(repo)
    out = subprocess.run(
        [sys.executable, "-m", "codemods", "apply", "--transform", "all", "--no-cache", "examples/"],
        cwd=repo, capture_output=True, text=True,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    changed = {line.split(":", 1)[0] for line in out.stdout.splitlines()}
    transforms = {line.split(": ")[1].split(" [")[0] for line in out.stdout.splitlines()}  # "name [safe]"
    assert {"await-free", "lock-await", "task-guard"} <= transforms, out.stdout
    assert "match-hoist" not in transforms  # opt-in: not part of `all`
    assert len(changed) >= 3
    after = run_service(repo)
    # the guarded worker tasks no longer outlive their sessions; everything else is unchanged
    assert "tasks still running after every session ended: 2" in before
    assert after == before.replace(
        "tasks still running after every session ended: 2", "tasks still running after every session ended: 0"
    )
    # and a second run finds nothing left to do
    git(repo, "commit", "-qam", "codemod")
    again = subprocess.run(
        [sys.executable, "-m", "codemods", "apply", "--transform", "all", "--dry-run", "--no-cache", "examples/"],
        cwd=repo, capture_output=True, text=True,
    )
    assert again.returncode == 0 and again.stdout == "", again.stdout
