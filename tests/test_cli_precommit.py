"""The pre-commit hooks, as pre-commit itself runs them: `pre-commit try-repo` on this repository, and
the README's snippet verbatim (only `repo:` points at a local clone, with the release tag its `rev:`
names). pre-commit installs the hook into its own virtualenv from this repository, as a user's machine
does."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT, git, make_repo
from .test_cli import SERVICE, SERVICE_AFTER

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git is required")

LOCK = '''import asyncio


class Feed:
    def __init__(self):
        self._lock = asyncio.Lock()
        self.items = []

    async def push(self, item, notify):
        async with self._lock:
            self.items.append(item)
            await notify(item)
'''


def pre_commit(cwd: Path, *args: str, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"}
    env.pop("VIRTUAL_ENV", None)
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=900)


@pytest.fixture(scope="module")
def home(tmp_path_factory) -> Path:
    """One pre-commit cache for the module: the hook's virtualenv is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    """A clone of this repository at HEAD with the working tree's changes committed, tagged with the
    version the README's `rev:` names (what a release is)."""
    clone = tmp_path_factory.mktemp("codemods-release") / "codemods"
    subprocess.run(["git", "clone", "-q", "--no-hardlinks", str(ROOT), str(clone)], check=True, capture_output=True)
    status = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout
    if status.strip():  # developing: the uncommitted changes are what is under test
        for line in status.splitlines():
            rel = line[3:].split(" -> ")[-1].strip('"')
            src, dst = ROOT / rel, clone / rel
            if src.is_dir():
                shutil.copytree(src, dst, dirs_exist_ok=True, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
            elif src.exists():
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dst)
            elif dst.exists():
                dst.unlink()
        git(clone, "add", "-A")
        git(clone, "commit", "-qm", "working tree")
    git(clone, "tag", readme_rev())
    return clone


def readme_snippet() -> str:
    text = (ROOT / "README.md").read_text()
    m = re.search(r"```yaml\n(repos:\n.*?)```", text, re.S)
    assert m, "the README's pre-commit snippet"
    return m.group(1)


def readme_rev() -> str:
    return re.search(r"rev: (\S+)", readme_snippet()).group(1)


def test_the_readme_rev_is_this_versions_tag():
    import codemods

    assert readme_rev() == f"v{codemods.__version__}"


def test_the_readme_snippet_works_verbatim(tmp_path, release, home):
    snippet = readme_snippet()
    config = re.sub(r"repo: \S+", f"repo: {release}", snippet, count=1)
    assert config.replace(str(release), "") == re.sub(r"repo: \S+", "repo: ", snippet, count=1)  # only the URL differs
    user = make_repo(tmp_path / "user", {
        "app.py": SERVICE, "feed.py": LOCK, ".pre-commit-config.yaml": config,
    })
    out = pre_commit(user, "run", "--all-files", home=home)
    # no select configured: the hook runs the safe fixes of `all` and fails the commit because it changed files
    assert out.returncode == 1, out.stdout + out.stderr
    assert (user / "app.py").read_text() == SERVICE_AFTER
    assert "app.py:4:1: await-free [safe]:" in out.stdout  # what the hook changed, with its fix safety
    assert "codemod-check" in snippet
    git(user, "commit", "-qam", "fixed")
    again = pre_commit(user, "run", "--all-files", home=home)
    assert again.returncode == 0, again.stdout + again.stderr


def test_try_repo_hooks_honour_exclude_and_read_the_whole_repository(tmp_path, release, home):
    lib = "async def fetch():\n    return 1\n"
    use = "from pkg.lib import fetch\n\n\nasync def use():\n    return await fetch()\n"
    user = make_repo(tmp_path / "user", {
        "pkg/__init__.py": "", "pkg/lib.py": lib, "pkg/app.py": use, "legacy/old.py": SERVICE,
        # an application: nothing outside it imports pkg.lib.fetch, so converting it is a safe fix
        "pyproject.toml": "[tool.codemod.await-free]\ninclude-public = true\n",
        ".pre-commit-config.yaml": (
            f"repos:\n  - repo: {release}\n    rev: {readme_rev()}\n    hooks:\n"
            "      - id: codemod\n        args: [--transform, await-free]\n        exclude: ^legacy/\n"
        ),
    })
    check = pre_commit(user, "try-repo", str(release), "codemod-check", "--all-files", home=home)
    assert check.returncode == 1, check.stdout + check.stderr  # would change: fails, changes nothing
    assert (user / "pkg/lib.py").read_text() == lib and (user / "legacy/old.py").read_text() == SERVICE
    out = pre_commit(user, "run", "--all-files", home=home)
    assert out.returncode == 1, out.stdout + out.stderr
    assert (user / "legacy/old.py").read_text() == SERVICE  # excluded: not passed, not changed
    assert (user / "pkg/lib.py").read_text() == "def fetch():\n    return 1\n"
    assert "    return fetch()\n" in (user / "pkg/app.py").read_text()
    # a commit that stages only lib.py: app.py (not passed) still counts as a caller, so fetch stays async
    user2 = make_repo(tmp_path / "user2", {"pkg/__init__.py": "", "pkg/lib.py": lib, "pkg/app.py": use,
                                           "pyproject.toml": "[tool.codemod.await-free]\ninclude-public = true\n"})
    (user2 / "pkg/lib.py").write_text(lib + "\n")
    git(user2, "add", "pkg/lib.py")
    staged = pre_commit(user2, "try-repo", str(release), "codemod", "--ref", readme_rev(),
                        "--files", "pkg/lib.py", home=home)
    assert (user2 / "pkg/lib.py").read_text() == lib + "\n", staged.stdout
