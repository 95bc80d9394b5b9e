"""`codemod apply --commit`: the accepted changes as one commit on a branch, the checkout left alone.

The commit is built from tree objects (:func:`codemods.git.build_commit`), so the user's working tree,
index and current branch stay exactly as they were, and the files are not rewritten on disk: the change
lives on the branch. The branch (default ``codemod/<recipe>``) starts from HEAD; an existing branch is
extended only when it descends from HEAD. ``--verify CMD`` runs the command in a temporary worktree of
the new commit before any ref moves: when it fails, nothing is committed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

from .. import git as gitops
from ..changeset import Changeset, FileChange, FileError
from ..model import UNSAFE

BRANCH_PREFIX = "codemod/"


class CommitError(Exception):
    """Nothing was committed; the message says why in one line."""


@dataclass
class CommitResult:
    branch: str
    sha: str | None = None  # the new commit; None when nothing was committed
    base: str = ""  # the commit the branch started from (HEAD, or the branch's tip when it existed)
    created: bool = False  # the branch did not exist before
    files: list[FileChange] = field(default_factory=list)  # what the commit changes
    already: list[str] = field(default_factory=list)  # files the branch already had in their new state
    refused: list[FileError] = field(default_factory=list)  # files left out (uncommitted work, untracked)
    verify: gitops.VerifyResult | None = None

    @property
    def committed(self) -> bool:
        return self.sha is not None


def recipe(names: Iterable[str]) -> str:
    """What the transforms run are called in branch names: ``lock-await``, ``await-free+lock-await``."""
    return "+".join(sorted(dict.fromkeys(names))) or "codemod"


def default_branch(names: Iterable[str]) -> str:
    return BRANCH_PREFIX + recipe(names)


def counts(files: Sequence[FileChange]) -> dict[str, dict[str, int]]:
    """Per transform: files, rewrites, unsafe rewrites."""
    out: dict[str, dict[str, int]] = {}
    for fc in files:
        seen = set()
        for c in fc.changes:
            row = out.setdefault(c.transform, {"files": 0, "rewrites": 0, "unsafe": 0})
            row["rewrites"] += 1
            row["unsafe"] += c.safety == UNSAFE
            if c.transform not in seen:
                row["files"] += 1
                seen.add(c.transform)
    return out


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def message(cs: Changeset, files: Sequence[FileChange], summaries: dict[str, str]) -> str:
    """The commit message: the transforms in the subject, then the counts and each transform's summary."""
    per = counts(files)
    names = sorted(per) or sorted(cs.transforms)
    rewrites = sum(r["rewrites"] for r in per.values())
    unsafe = sum(r["unsafe"] for r in per.values())
    lines = [f"codemod: {', '.join(names)}", ""]
    total = f"{_plural(rewrites, 'rewrite')} in {_plural(len(files), 'file')}"
    if unsafe:
        total += f" ({unsafe} unsafe: timing or lifetime changes, review them)"
    skips = [s for s in cs.skips if s.transform in names]
    if skips:
        total += f"; {_plural(len(skips), 'candidate')} left alone"
    lines += [total + ".", ""]
    for name in names:
        row = per.get(name, {"files": 0, "rewrites": 0, "unsafe": 0})
        detail = f"{_plural(row['rewrites'], 'rewrite')} in {_plural(row['files'], 'file')}"
        if row["unsafe"]:
            detail += f", {row['unsafe']} unsafe"
        lines.append(f"- {name}: {summaries.get(name, '').rstrip('.')} ({detail})")
    return "\n".join(lines).rstrip() + "\n"


def commit(
    cs: Changeset, *, branch: str | None = None, message_text: str | None = None, verify: str | None = None,
    files: Sequence[FileChange] | None = None, summaries: dict[str, str] | None = None,
    recipe_names: Iterable[str] | None = None,
) -> CommitResult:
    """Commit ``files`` (default: every changed file of ``cs``) on ``branch``, leaving the checkout alone."""
    repo = gitops.open_repo(cs.root)
    head = gitops.head(repo)  # refuses a detached or unborn HEAD
    branch = branch or default_branch(recipe_names or cs.transforms)
    if not gitops.valid_branch_name(repo, branch):
        raise CommitError(f"{branch!r} is not a valid branch name")
    if branch in gitops.checked_out_branches(repo):
        where = "the current branch" if branch == head.branch else "checked out in another worktree"
        raise CommitError(
            f"branch {branch!r} is {where}: --commit leaves checkouts as they are, so it commits on another "
            "branch (choose one with --branch)"
        )
    result = CommitResult(branch, base=head.sha)
    tip = gitops.branch_sha(repo, branch)
    if tip is not None and not gitops.is_ancestor(repo, head.sha, tip):
        raise CommitError(
            f"branch {branch!r} exists and does not start from HEAD ({head.branch} at {head.sha[:7]}): nothing "
            "committed (choose another --branch, or delete or rebase that branch)"
        )
    result.created = tip is None
    parent = tip or head.sha
    result.base = parent

    try:
        dirty = gitops.dirty_paths(cs.root) or set()
    except gitops.DirtyCheckError as exc:
        raise CommitError(f"{exc}; nothing committed") from None
    new_blobs: dict[str, bytes] = {}
    for fc in files if files is not None else cs.files:
        if fc.path in dirty:
            result.refused.append(FileError(fc.path, "has uncommitted changes: not committed (commit or stash them first)"))
            continue
        at_head = gitops.blob_at(repo, head.sha, fc.path)
        if at_head is None:
            result.refused.append(FileError(fc.path, "is not in HEAD: not committed (commit the file first)"))
            continue
        if tip is not None:
            at_tip = gitops.blob_at(repo, tip, fc.path)
            if at_tip is not None and at_tip[0] != at_head[0]:
                if _same_after_filters(repo, fc, at_tip[0]):
                    result.already.append(fc.path)
                    continue
                raise CommitError(
                    f"branch {branch!r} already changes {fc.path} differently: nothing committed "
                    "(choose another --branch, or delete that branch)"
                )
        new_blobs[fc.path] = fc.new_bytes
        result.files.append(fc)
    if not new_blobs:
        return result

    text = message_text if message_text else message(cs, result.files, summaries or _summaries())
    if not text.endswith("\n"):
        text += "\n"
    sha = gitops.build_commit(repo, parent, new_blobs, text)
    if verify:
        result.verify = gitops.verify(repo, sha, verify)
        if not result.verify.ok:
            return result  # nothing committed: no ref points at the commit, git's gc removes it
    gitops.update_branch(repo, branch, sha, tip)
    result.sha = sha
    return result


def _same_after_filters(repo, fc: FileChange, blob: bytes) -> bool:
    """Whether the branch's blob is the new content (already committed there by an earlier run)."""
    return blob == fc.new_bytes or blob == fc.new_bytes.replace(b"\r\n", b"\n")


def _summaries() -> dict[str, str]:
    from ..transforms import registry

    return {name: cls.summary for name, cls in registry().items()}
