"""`codemod pr` end to end: the real command and a real transform, a real remote, the fake GitHub."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from .forge.world import SERVICE, TOKEN, World


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path, {"app/service.py": SERVICE, "app/__init__.py": "",
                         "pyproject.toml": '[tool.codemod.pr]\nlabels = ["async"]\nreviewers = ["bob"]\n'
                         # an application: nothing outside it awaits its functions (await-free's fixes are safe)
                         '\n[tool.codemod.await-free]\ninclude-public = true\n'})
    yield w
    w.close()
    assert w.fake.invalid == []


def bot(world, *args, token=TOKEN, checkout=None):
    root = checkout or world.checkout()
    env = {**os.environ, "GITHUB_TOKEN": token, "GITHUB_REPOSITORY": "acme/service"}
    env.pop("GITHUB_API_URL", None)
    out = subprocess.run([sys.executable, "-m", "codemods", "pr", "-t", "await-free", "--no-cache",
                          "--api-url", world.fake.base_url, *args], cwd=root, capture_output=True, text=True, env=env)
    assert TOKEN not in out.stdout + out.stderr
    return out


def test_pr_opens_then_does_nothing(world):
    out = bot(world)
    assert out.returncode == 0, out.stderr
    assert out.stdout.startswith("codemod/await-free: opened #1: 1 file http://127.0.0.1:")
    [pull] = world.fake.open_pulls()
    assert pull.labels == ["async"] and pull.reviewers == ["bob"]
    assert "| `await-free` | 1 | 2 | 2 | 0 |" in pull.body
    out = bot(world)
    assert out.returncode == 0 and out.stdout.startswith("codemod/await-free: unchanged #1")


def test_pr_dry_run_sends_nothing(world):
    out = bot(world, "--dry-run")
    assert out.returncode == 0 and "would open" in out.stdout and "| transform |" in out.stdout
    assert world.fake.writes() == [] and world.remote_branches() == ["main"]


def test_pr_errors_are_one_line_without_the_token(world):
    out = bot(world, token="ghp_not_the_right_one")
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1] == (
        "error: GitHub listing pull requests: 401 Unauthorized: Bad credentials (the token is missing, expired or revoked)")
    assert "ghp_not_the_right_one" not in out.stderr
    missing = bot(world, token="")
    assert missing.returncode == 2 and "error: no token: set GITHUB_TOKEN" in missing.stderr


def test_pr_settings_errors_are_usage_errors(world):
    root = world.checkout()
    (root / "pyproject.toml").write_text('[tool.codemod.pr]\nsplit-by = "size"\n')
    out = bot(world, checkout=root)
    assert out.returncode == 2 and "split-by must be one of directory, transform" in out.stderr
