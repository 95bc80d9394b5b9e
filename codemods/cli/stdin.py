"""`codemod apply -t NAME - --stdin-filename PATH`: one module from stdin, the result on stdout, as
black and ruff do for editors and formatter pipelines. The module stands for the file at PATH: module
name, configuration and cross-file transforms (which read the repository around it) treat it so; only
it is changed. With --diff the diff goes to stdout instead; --check prints only the summary."""

from __future__ import annotations

import json
import sys

import click

from .common import EXIT_ERROR, EXIT_OK, EXIT_PENDING
from .options import RunOptions, Setup, run_transforms
from .report import Reporter, write_stdout_bytes


def apply_stdin(setup: Setup, opts: RunOptions, *, dry_run: bool, check: bool, fmt: str, show_skips: bool) -> int:
    data = sys.stdin.buffer.read()
    cs = run_transforms(setup, opts, quiet_progress=True, stdin=data)
    rep = Reporter(cs, colour_out=opts.colour(sys.stdout), colour_err=opts.colour(sys.stderr), quiet=opts.quiet,
                   verbose=opts.verbose, show_skips=show_skips)
    changed = next((f for f in cs.files if f.path == setup.stdin_path), None)
    mode = "diff" if dry_run else "check" if check else "stdin"
    if fmt == "json":
        from .jsonout import document

        click.echo(json.dumps(document(cs, mode=mode, written=[], patch_file=None), indent=2))
    elif dry_run:
        rep.patch()
    elif not check and not cs.errors:
        write_stdout_bytes(changed.new_bytes if changed else data)
    if fmt != "json":
        if not check:
            rep.changes(cs.changes, err=True)
        rep.skips(err=True)
        rep.problems()
        rep.timings()
        rep.summary(mode=mode)
    if cs.errors:
        return EXIT_ERROR
    if changed and (dry_run or check) and not opts.exit_zero:
        return EXIT_PENDING
    return EXIT_OK
