"""Interactive review, hunk by hunk as `git add -p`: y apply, n skip, a rest of file, d skip file, q quit."""

from __future__ import annotations

import click

from ..changeset import Changeset, FileChange, FileError
from ..transforms import registry
from .patch import print_diff


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


def review(cs: Changeset, files: list[FileChange]) -> list[FileChange]:
    """Ask about each hunk of ``files``; return the files with only the accepted hunks applied."""
    reg = registry()
    linked = [n for n in cs.transforms if reg[n].cross_file]
    if linked:
        _echo_err(
            f"note: {', '.join(linked)} changes depend on each other across hunks and files: accepting a "
            "converted definition while declining one of its call sites leaves an `await` on a plain function"
        )
    accepted_files: list[FileChange] = []
    quit_all = False
    for fc in files:
        if quit_all:
            break
        hunks = fc.hunks()
        keep = []
        diff = fc.diff()
        header, _, _ = diff.partition("@@")
        click.echo(header, nl=False)
        body_lines = diff.splitlines(keepends=True)
        hunk_texts = _split_hunk_texts(body_lines)
        decision_all: bool | None = None
        for hunk, text in zip(hunks, hunk_texts):
            if decision_all is not None:
                if decision_all:
                    keep.append(hunk)
                continue
            print_diff(text)
            answer = click.prompt(
                f"Apply this hunk to {fc.path} [y,n,a,d,q]", type=click.Choice(["y", "n", "a", "d", "q"]),
                show_choices=False, err=True,
            )
            if answer == "y":
                keep.append(hunk)
            elif answer == "a":
                keep.append(hunk)
                decision_all = True
            elif answer == "d":
                decision_all = False
            elif answer == "q":
                quit_all = True
                break
        if not keep:
            continue
        new_text = fc.apply_hunks(keep) if len(keep) != len(hunks) else fc.new_text
        try:
            compile(new_text, fc.path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            cs.errors.append(FileError(fc.path, f"the hunks chosen do not compile together ({exc.msg}): not written"))
            continue
        kept_changes = [c for c in fc.changes if any(h.old_start < c.line <= h.old_start + max(h.old_len, 1) for h in keep)]
        accepted_files.append(FileChange(fc.path, fc.old_bytes, new_text, fc.source, kept_changes))
    return accepted_files


def _split_hunk_texts(lines: list[str]) -> list[str]:
    hunks: list[list[str]] = []
    for line in lines:
        if line.startswith("@@"):
            hunks.append([line])
        elif hunks:
            hunks[-1].append(line)
    return ["".join(h) for h in hunks]
