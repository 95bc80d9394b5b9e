"""Git through GitPython: the dirty-tree guard, and branch/commit for bots."""

from __future__ import annotations

import git


class DirtyCheckError(Exception):
    """git cannot say which files have uncommitted changes: nothing is written."""


def dirty_paths(root: str) -> set[str] | None:
    """Repo-relative paths with uncommitted changes (staged, unstaged or untracked); None outside git."""
    try:
        repo = git.Repo(root, search_parent_directories=False)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    try:
        out = repo.git.status("--porcelain=v1", "-z", "--untracked-files=all")
    except git.GitCommandError as exc:
        raise DirtyCheckError(f"`git status` failed in {root}: {str(exc.stderr).strip() or exc}") from None
    dirty: set[str] = set()
    entries = out.split("\0")
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:
            continue
        status, path = entry[:2], entry[3:]
        dirty.add(path)
        if "R" in status or "C" in status:  # a rename is followed by its source path
            if i < len(entries):
                dirty.add(entries[i])
            i += 1
    return dirty
