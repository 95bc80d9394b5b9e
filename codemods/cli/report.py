"""The text report of a run: changes and skips (file:line:col), notes and errors, one summary line."""

from __future__ import annotations

import click

from ..changeset import Changeset, FileChange
from .common import display, echo_err, print_diff


def report_text(cs: Changeset, *, dry_run: bool, writing: bool, written: list[FileChange],
                show_skips: bool, patch_to_stdout: bool) -> None:
    # stdout carries the primary output: the diff in a dry run, the list of changes when writing
    primary_is_diff = dry_run and not patch_to_stdout
    if primary_is_diff:
        diff = cs.diff()
        if diff:
            print_diff(diff)
    listed = written if writing else []
    for fc in listed:
        for c in fc.changes:
            mark = " [unsafe]" if c.safety == "unsafe" else ""
            click.echo(f"{display(cs, c.path)}:{c.line}:{c.col}: {c.transform}{mark}: {c.message}")
    to_stdout = writing  # when writing, skips go with the change list; otherwise stdout holds a diff
    if show_skips:
        for s in cs.skips:
            click.echo(f"{display(cs, s.path)}:{s.line}:{s.col}: {s.transform}: skipped: {s.reason}", err=not to_stdout)
    for n in cs.notices:
        echo_err(f"{display(cs, n.path)}: note: {n.message}")
    for e in cs.errors:
        label = "internal error" if e.kind == "internal" else "error"
        echo_err(f"{display(cs, e.path)}: {label}: {e.message}")
    rewrites = sum(len(f.changes) for f in cs.files)
    files = len(cs.files)
    if writing:
        done = sum(len(f.changes) for f in written)
        summary = f"Changed {len(written)} file{'s' * (len(written) != 1)} ({done} rewrite{'s' * (done != 1)})"
    else:
        summary = f"Would change {files} file{'s' * (files != 1)} ({rewrites} rewrite{'s' * (rewrites != 1)})"
    summary += f"; {len(cs.skips)} candidate{'s' * (len(cs.skips) != 1)} skipped"
    if cs.skips and not show_skips:
        summary += " (--show-skips lists them)"
    if cs.errors:
        summary += f"; {len(cs.errors)} error{'s' * (len(cs.errors) != 1)}"
    summary += f"; {int(cs.stats.get('files', 0))} files checked."
    if cs.held:
        n = len(cs.held)
        summary += f" {n} unsafe fix{'es' * (n != 1)} held back (--unsafe-fixes applies {'them' if n != 1 else 'it'})."
    echo_err(summary)
