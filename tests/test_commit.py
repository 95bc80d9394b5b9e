"""`apply --commit` as a library: commits from tree objects on a real repository, the checkout untouched."""

from __future__ import annotations

import os
import sys

import pytest

from codemods import git as gitops
from codemods.deliver import commit as delivery

from .conftest import git
from .forge.changes import SERVICE, WALLET, changeset, service_edit_full, wallet_edit


def snapshot(root):
    """Everything a commit must leave alone: HEAD, the branch, the index and the working tree's bytes."""
    files = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d != ".git"]
        for name in filenames:
            full = os.path.join(dirpath, name)
            files[os.path.relpath(full, root)] = open(full, "rb").read()
    index = (root / ".git" / "index").read_bytes()
    return (git(root, "rev-parse", "HEAD").stdout, git(root, "symbolic-ref", "HEAD").stdout,
            index, files, git(root, "status", "--porcelain").stdout)


@pytest.fixture
def project(repo):
    return repo({"app/service.py": SERVICE, "app/wallet.py": WALLET, "README.md": "hello\n"})


def test_commit_on_a_new_branch_leaves_the_checkout_exactly_as_it_was(project):
    cs = changeset(project, {**service_edit_full(), **wallet_edit()})
    before = snapshot(project)
    result = delivery.commit(cs, recipe_names=["await-free", "lock-await"])
    assert snapshot(project) == before
    assert result.committed and result.created and result.branch == "codemod/await-free+lock-await"
    head = git(project, "rev-parse", "HEAD").stdout.strip()
    assert git(project, "rev-parse", f"{result.branch}^").stdout.strip() == head
    # the commit holds exactly the rewritten files, byte for byte
    names = git(project, "diff", "--name-only", head, result.branch).stdout.split()
    assert names == ["app/service.py", "app/wallet.py"]
    shown = git(project, "show", f"{result.branch}:app/wallet.py").stdout
    assert shown == cs.files[1].new_text
    msg = git(project, "log", "-1", "--format=%B", result.branch).stdout
    assert msg.splitlines()[0] == "codemod: await-free, lock-await"
    assert "3 rewrites in 2 files (1 unsafe" in msg
    assert "- lock-await: " in msg and "(1 rewrite in 1 file, 1 unsafe)" in msg
    assert "- await-free: " in msg and "(2 rewrites in 1 file)" in msg


def test_message_and_branch_options(project):
    cs = changeset(project, service_edit_full())
    result = delivery.commit(cs, branch="fix/awaits", message_text="Drop needless awaits")
    assert result.branch == "fix/awaits"
    assert git(project, "log", "-1", "--format=%B", "fix/awaits").stdout.strip() == "Drop needless awaits"


def test_file_modes_are_kept(project):
    os.chmod(project / "app/service.py", 0o755)
    git(project, "add", "app/service.py")
    git(project, "commit", "-q", "-m", "exec")
    result = delivery.commit(changeset(project, service_edit_full()))
    tree = git(project, "ls-tree", result.branch, "app/service.py").stdout
    assert tree.startswith("100755 ")


def test_crlf_checkout_with_autocrlf_commits_what_git_add_would(tmp_path):
    from .conftest import make_repo

    root = make_repo(tmp_path / "crlf", {"app/service.py": SERVICE})
    git(root, "config", "core.autocrlf", "true")
    (root / "app/service.py").write_bytes(SERVICE.replace("\n", "\r\n").encode())
    git(root, "add", "--renormalize", ".")  # the checkout now has CRLF, the blob LF, status clean
    assert git(root, "status", "--porcelain").stdout == ""
    cs = changeset(root, {"app/service.py": ("async def load_config():", "def load_config():", [])})
    result = delivery.commit(cs)
    blob = git(root, "cat-file", "blob", f"{result.branch}:app/service.py").stdout
    assert "\r" not in blob and blob.startswith("import asyncio\n\n\ndef load_config():")


def test_uncommitted_work_is_never_committed_nor_lost(project):
    cs = changeset(project, {**service_edit_full(), **wallet_edit()})
    (project / "app/wallet.py").write_text(WALLET + "# my work in progress\n")
    before = snapshot(project)
    result = delivery.commit(cs)
    assert snapshot(project) == before
    assert [e.path for e in result.refused] == ["app/wallet.py"]
    assert "uncommitted changes" in result.refused[0].message
    assert [f.path for f in result.files] == ["app/service.py"]
    assert git(project, "diff", "--name-only", "HEAD", result.branch).stdout.split() == ["app/service.py"]
    assert (project / "app/wallet.py").read_text().endswith("# my work in progress\n")


def test_untracked_file_is_not_committed(project):
    (project / "app/new.py").write_text(SERVICE)
    cs = changeset(project, service_edit_full("app/new.py"))
    result = delivery.commit(cs)
    assert not result.committed and result.refused and "uncommitted" in result.refused[0].message
    assert gitops.branch_sha(gitops.open_repo(str(project)), result.branch) is None


def test_detached_head_is_refused(project):
    git(project, "checkout", "-q", "--detach")
    with pytest.raises(gitops.GitError, match="HEAD is detached"):
        delivery.commit(changeset(project, service_edit_full()))


def test_unborn_head_is_refused(tmp_path):
    root = tmp_path / "empty"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "app").mkdir()
    (root / "app/service.py").write_text(SERVICE)
    with pytest.raises(gitops.GitError, match="has no commit yet"):
        delivery.commit(changeset(root, service_edit_full()))


def test_current_branch_is_refused(project):
    with pytest.raises(delivery.CommitError, match="is the current branch"):
        delivery.commit(changeset(project, service_edit_full()), branch="main")


def test_existing_branch_that_does_not_descend_from_head_is_refused(project):
    git(project, "branch", "codemod/await-free")
    (project / "README.md").write_text("moved on\n")
    git(project, "commit", "-qam", "main moves on")
    before = git(project, "rev-parse", "codemod/await-free").stdout
    with pytest.raises(delivery.CommitError, match="does not start from HEAD"):
        delivery.commit(changeset(project, service_edit_full()))
    assert git(project, "rev-parse", "codemod/await-free").stdout == before


def test_existing_branch_that_descends_from_head_is_extended(project):
    first = delivery.commit(changeset(project, service_edit_full()))
    second = delivery.commit(changeset(project, wallet_edit()), branch=first.branch)
    assert not second.created and second.base == first.sha
    assert git(project, "rev-parse", f"{first.branch}^").stdout.strip() == first.sha
    # a rerun of the first change finds the branch already has it: nothing new
    again = delivery.commit(changeset(project, service_edit_full()), branch=first.branch)
    assert not again.committed and again.already == ["app/service.py"]


def test_verify_passes_then_commits(project):
    check = f"{sys.executable} -c \"import ast,sys; ast.parse(open('app/service.py').read()); print('checked')\""
    result = delivery.commit(changeset(project, service_edit_full()), verify=check)
    assert result.committed and result.verify.ok and result.verify.tail == "checked"
    # the temporary worktree is gone
    assert git(project, "worktree", "list", "--porcelain").stdout.count("worktree ") == 1


def test_verify_runs_on_the_patched_tree_and_a_failure_commits_nothing(project):
    # the command sees the patched file (not the checkout's): it fails because `async def` is gone
    check = (f"{sys.executable} -c \"import sys; t=open('app/service.py').read(); "
             "print('line', 1); print('async def load_config' in t); sys.exit(0 if 'async def load_config' in t else 3)\"")
    before = snapshot(project)
    result = delivery.commit(changeset(project, service_edit_full()), verify=check)
    assert not result.committed and result.verify.returncode == 3
    assert result.verify.tail.splitlines()[-1] == "False"
    assert snapshot(project) == before
    assert gitops.branch_sha(gitops.open_repo(str(project)), result.branch) is None
    assert git(project, "worktree", "list", "--porcelain").stdout.count("worktree ") == 1


def test_invalid_branch_name(project):
    with pytest.raises(delivery.CommitError, match="not a valid branch name"):
        delivery.commit(changeset(project, service_edit_full()), branch="bad..name")
