"""`codemod apply`: run transforms and deliver the result in place, as a patch, or through review."""

from __future__ import annotations

import json
import sys

import click

from ..changeset import FileChange
from ..deliver import patch, review, write
from .common import EXIT_ERROR, EXIT_OK, EXIT_PENDING, echo_err
from .options import RunOptions, prepare, run_options, run_transforms
from .report import report_text


@click.command()
@run_options
@click.option("--dry-run", is_flag=True, help="Print the unified diff; write nothing. Exit 1 if changes are pending.")
@click.option("--patch", "patch_file", type=click.Path(dir_okay=False, writable=True),
              help="Write a patch `git apply` takes to FILE ('-' for stdout); write no source file.")
@click.option("-i", "--interactive", is_flag=True, help="Review each hunk and choose what to apply.")
@click.option("--show-skips", is_flag=True, help="List every candidate left alone, with the reason.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: one document with changes, skips and errors on stdout.")
@click.option("--allow-dirty", is_flag=True, help="Rewrite files that have uncommitted changes.")
def apply(dry_run: bool, patch_file: str | None, interactive: bool, show_skips: bool, fmt: str, allow_dirty: bool,
          **run) -> None:
    """Apply transforms to PATHS (default: the current folder) and report what changed and what was skipped."""
    from .. import git

    opts = RunOptions.take(run)
    if interactive and (dry_run or patch_file or fmt == "json"):
        raise click.UsageError("--interactive cannot be combined with --dry-run, --patch or --format json")
    setup = prepare(opts)
    cs = run_transforms(setup, opts, quiet_progress=fmt != "text")

    writing = not dry_run and not patch_file
    to_write: list[FileChange] = list(cs.files)
    if writing and cs.files and not allow_dirty:
        try:
            to_write = write.refuse_dirty(cs, to_write)
        except git.DirtyCheckError as exc:
            echo_err(f"error: {exc}; nothing written (--allow-dirty skips this check)")
            sys.exit(EXIT_ERROR)

    if interactive and writing:
        to_write = review.review(cs, to_write)

    written: list[FileChange] = []
    if writing:
        written = write.write_changes(cs, to_write)
    if patch_file:
        patch.write_patch(cs, patch_file)

    if fmt == "json":
        doc = cs.to_json()
        doc["written"] = sorted(f.path for f in written)
        click.echo(json.dumps(doc, indent=2))
    else:
        report_text(cs, dry_run=dry_run, writing=writing, written=written, show_skips=show_skips,
                    patch_to_stdout=patch_file == "-")

    if cs.errors:
        sys.exit(EXIT_ERROR)
    if not writing and cs.files:
        sys.exit(EXIT_PENDING)
    sys.exit(EXIT_OK)


COMMANDS = [apply]
