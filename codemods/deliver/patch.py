"""A patch `git apply` takes: every file's diff in its own encoding, to a file or to stdout ('-');
and a diff shown on a terminal (coloured there, plain text when piped)."""

from __future__ import annotations

import sys

import click

from ..changeset import Changeset


def write_patch(cs: Changeset, target: str) -> None:
    data = cs.patch_bytes()
    if target == "-":
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    with open(target, "wb") as fh:
        fh.write(data)


def print_diff(text: str) -> None:
    if not sys.stdout.isatty():
        click.echo(text, nl=False)
        return
    from rich.console import Console
    from rich.syntax import Syntax

    Console(highlight=False, soft_wrap=True).print(Syntax(text, "diff", theme="ansi_dark", background_color="default"))
