"""`codemod apply`: run transforms and deliver the result in place, as a diff or patch, through review,
or (with `-` and --stdin-filename) from stdin to stdout."""

from __future__ import annotations

import json
import sys

import click

from ..changeset import FileChange
from ..deliver import patch, review, write
from .common import EXIT_ERROR, EXIT_OK, EXIT_PENDING, echo_err
from .options import RunOptions, prepare, run_options, run_transforms
from .report import Reporter


@click.command()
@run_options
@click.option("--dry-run", is_flag=True, help="Print the unified diff on stdout; write nothing. Exit 1 if changes are pending.")
@click.option("--diff", is_flag=True, help="The same as --dry-run (black's and ruff's name).")
@click.option("--check", is_flag=True, help="Write nothing, print only the summary; exit 1 if changes are pending.")
@click.option("--patch", "patch_file", type=click.Path(dir_okay=False), metavar="FILE",
              help="Write a patch `git apply` takes to FILE ('-' for stdout); write no source file.")
@click.option("-i", "--interactive", is_flag=True,
              help="Review change by change (dependent hunks together) and write what was accepted, once verified.")
@click.option("--show-skips", is_flag=True, help="List every candidate left alone, with the reason, and every held-back fix.")
@click.option("--statistics", is_flag=True, help="Print counts per transform, fix safety and skip reason instead of the changes.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: one document on stdout (schema: codemods/schemas/apply.schema.json).")
@click.option("--allow-dirty", is_flag=True, help="Rewrite files that have uncommitted changes.")
def apply(dry_run: bool, diff: bool, check: bool, patch_file: str | None, interactive: bool, show_skips: bool,
          statistics: bool, fmt: str, allow_dirty: bool, **run) -> None:
    """Apply transforms to PATHS (default: the current folder) and report what changed and what was skipped.

    `-` as the only path reads one module from stdin (with --stdin-filename) and writes the result to stdout.
    """
    opts = RunOptions.take(run)
    dry_run = dry_run or diff
    mode = "diff" if diff else "dry-run" if dry_run else "check" if check else "patch" if patch_file else "write"
    if interactive and (dry_run or check or patch_file or fmt == "json" or opts.stdin):
        raise click.UsageError("--interactive cannot be combined with --dry-run/--diff, --check, --patch, "
                               "--format json or stdin")
    if opts.stdin and patch_file:
        raise click.UsageError("--patch cannot be combined with stdin (`-`): use --diff")
    if patch_file:
        try:
            patch.check_target(patch_file)
        except patch.PatchTargetError as exc:
            echo_err(f"error: {exc}")
            sys.exit(EXIT_ERROR)
    setup = prepare(opts)
    if opts.stdin:
        from .stdin import apply_stdin

        sys.exit(apply_stdin(setup, opts, dry_run=dry_run, check=check, fmt=fmt, show_skips=show_skips))
    writing = mode == "write"
    if writing and not setup.in_git and not opts.quiet:
        echo_err(f"warning: {setup.root} is not in a git repository: files are rewritten with no check for "
                 "uncommitted changes (--dry-run shows the diff first)")
    cs = run_transforms(setup, opts, quiet_progress=fmt != "text" or opts.quiet)
    rep = Reporter(cs, colour_out=opts.colour(sys.stdout), colour_err=opts.colour(sys.stderr), quiet=opts.quiet,
                   verbose=opts.verbose, show_skips=show_skips)

    to_write: list[FileChange] = list(cs.files)
    if writing and cs.files and not allow_dirty:
        from .. import git

        try:
            to_write = write.refuse_dirty(cs, to_write)
        except git.DirtyCheckError as exc:
            echo_err(f"error: {exc}; nothing written (--allow-dirty skips this check)")
            sys.exit(EXIT_ERROR)

    if interactive and writing:
        to_write = review.review(cs, to_write, colour=rep.colour_out,
                                 rerun=lambda overlay: run_transforms(setup, opts, quiet_progress=True, overlay=overlay))

    written: list[FileChange] = []
    if writing and to_write:
        with write.uninterrupted():
            written = write.write_changes(cs, to_write)
    if patch_file:
        try:
            patch.write_patch(cs, patch_file)
        except patch.PatchTargetError as exc:
            echo_err(f"error: {exc}")
            sys.exit(EXIT_ERROR)

    if fmt == "json":
        from .jsonout import document

        click.echo(json.dumps(document(cs, mode=mode, written=written, patch_file=patch_file), indent=2))
    else:
        _report(rep, mode, written, patch_file, statistics)
    sys.exit(exit_code(cs, pending=not writing and bool(cs.files), exit_zero=opts.exit_zero))


def _report(rep: Reporter, mode: str, written: list[FileChange], patch_file: str | None, statistics: bool) -> None:
    cs = rep.cs
    if statistics:
        rep.statistics()
    else:
        if mode in ("dry-run", "diff"):
            rep.patch()
        if mode == "write":
            rep.changes([c for f in written for c in f.changes], err=False)
            rep.skips(err=False)
        elif mode != "check":
            stdout_free = mode == "patch" and patch_file != "-"
            rep.changes(cs.changes, err=not stdout_free)
            rep.skips(err=not stdout_free)
    rep.problems()
    rep.timings()
    rep.summary(mode=mode, written=written, patch_file=patch_file)


def exit_code(cs, *, pending: bool, exit_zero: bool) -> int:
    if cs.errors:
        return EXIT_ERROR
    if pending and not exit_zero:
        return EXIT_PENDING
    return EXIT_OK


COMMANDS = [apply]
