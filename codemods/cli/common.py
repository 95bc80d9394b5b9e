"""What every verb's output needs: exit codes, consoles, paths as the user sees them, diffs on a terminal
(:func:`print_diff`, from :mod:`codemods.deliver.patch`)."""

from __future__ import annotations

import os

import click

from ..changeset import Changeset
from ..deliver.patch import print_diff

EXIT_OK, EXIT_PENDING, EXIT_ERROR = 0, 1, 2
EXIT_INTERRUPTED = 130  # as a shell reports a process ended by SIGINT


def stderr_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def echo_err(message: str) -> None:
    click.echo(message, err=True)


def display(cs: Changeset, path: str) -> str:
    """Paths relative to the current folder when under it (clickable in terminals), else repo-relative."""
    full = os.path.join(cs.root, path)
    rel = os.path.relpath(full)
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_PENDING", "display", "echo_err", "print_diff", "stderr_console"]
