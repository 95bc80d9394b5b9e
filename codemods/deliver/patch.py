"""A patch `git apply` takes: every file's diff in its own encoding, to a file (written atomically:
an interrupted run leaves no half-written patch) or to stdout ('-'); and a diff shown on a terminal."""

from __future__ import annotations

import os
import sys
import tempfile

import click

from ..changeset import Changeset


class PatchTargetError(Exception):
    """The patch cannot be written there; the message says why, in one line."""


def check_target(target: str) -> None:
    """Fail before the run, not after it, when the patch cannot be written to ``target``."""
    if target == "-":
        return
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise PatchTargetError(f"cannot write the patch to {target}: no such directory {folder}")
    if os.path.isdir(target):
        raise PatchTargetError(f"cannot write the patch to {target}: it is a directory")
    if not os.access(folder, os.W_OK) or (os.path.exists(target) and not os.access(target, os.W_OK)):
        raise PatchTargetError(f"cannot write the patch to {target}: permission denied")


def write_patch(cs: Changeset, target: str) -> None:
    data = cs.patch_bytes()
    if target == "-":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    folder = os.path.dirname(os.path.abspath(target))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".codemod-patch-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
    except OSError as exc:
        raise PatchTargetError(f"cannot write the patch to {target}: {exc.strerror or exc}") from None


def print_diff(text: str) -> None:
    if not sys.stdout.isatty():
        click.echo(text, nl=False)
        return
    from rich.console import Console
    from rich.syntax import Syntax

    Console(highlight=False, soft_wrap=True).print(Syntax(text, "diff", theme="ansi_dark", background_color="default"))
