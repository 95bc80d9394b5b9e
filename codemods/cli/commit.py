"""`codemod apply --commit [--branch NAME] [--message TEXT] [--verify CMD]`: the options, and the report.

The commit itself is :func:`codemods.deliver.commit.commit` (tree objects: the checkout, index and current
branch stay exactly as they were, and no file is rewritten on disk).
"""

from __future__ import annotations

from typing import Callable, Sequence

import click

from ..changeset import Changeset, FileChange
from .common import EXIT_ERROR, EXIT_OK, echo_err

_OPTIONS: list[Callable] = [
    click.option("--commit", "commit", is_flag=True,
                 help="Commit the changes on a branch (default codemod/<transforms>) instead of rewriting the files; "
                      "your checkout, index and current branch stay as they are."),
    click.option("--branch", "commit_branch", metavar="NAME", help="With --commit: the branch to commit on."),
    click.option("--message", "commit_message", metavar="TEXT",
                 help="With --commit: the commit message (default: the transforms, the counts and their summaries)."),
    click.option("--verify", "commit_verify", metavar="CMD",
                 help="With --commit: run CMD (a shell command, such as the tests) in a temporary worktree of the "
                      "patched tree first; when it fails nothing is committed."),
]


def commit_options(func: Callable) -> Callable:
    for option in reversed(_OPTIONS):
        func = option(func)
    return func


def check_usage(commit: bool, branch: str | None, message: str | None, verify: str | None, **modes: bool) -> None:
    if not commit and (branch or message or verify):
        raise click.UsageError("--branch, --message and --verify go with --commit")
    clashing = [name for name, on in modes.items() if on]
    if commit and clashing:
        raise click.UsageError(f"--commit cannot be combined with {', '.join(clashing)}")


def run(cs: Changeset, files: Sequence[FileChange], *, names: Sequence[str], branch: str | None,
        message: str | None, verify: str | None, report_changes: Callable[[list], None]) -> int:
    """Commit ``files`` and say what happened; returns the exit code."""
    from .. import git as gitops
    from ..deliver import commit as delivery

    if not files:
        echo_err("Nothing to commit: no changes.")
        return EXIT_ERROR if cs.errors else EXIT_OK
    try:
        result = delivery.commit(cs, branch=branch, message_text=message, verify=verify, files=files,
                                 recipe_names=names or cs.transforms)
    except (delivery.CommitError, gitops.GitError) as exc:
        echo_err(f"error: {exc}")
        return EXIT_ERROR
    for refused in result.refused:
        echo_err(f"{refused.path}: error: {refused.message}")
    if result.verify is not None and not result.verify.ok:
        echo_err(f"error: --verify `{result.verify.command}` exited {result.verify.returncode} on the patched tree: "
                 "nothing committed")
        for line in result.verify.tail.splitlines():
            echo_err(f"    {line}")
        return EXIT_ERROR
    if result.committed:
        report_changes([c for f in result.files for c in f.changes])
        rewrites = sum(len(f.changes) for f in result.files)
        verified = f"; `{result.verify.command}` passed" if result.verify else ""
        echo_err(f"Committed {len(result.files)} file{'s' * (len(result.files) != 1)} ({rewrites} rewrite"
                 f"{'s' * (rewrites != 1)}) on branch {result.branch} ({result.sha[:7]}"
                 f"{', new' if result.created else ''}){verified}; your checkout is unchanged.")
    elif result.already:
        echo_err(f"Branch {result.branch} already has these changes: nothing committed.")
    return EXIT_ERROR if (result.refused or cs.errors) else EXIT_OK
