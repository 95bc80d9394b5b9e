"""The command line: one module per verb, the options every run verb shares in :mod:`.options`.

- ``apply``  (:mod:`.apply`): fix in place, or print / write the patch, or review it hunk by hunk
- ``list``, ``explain`` (:mod:`.docs`): the transforms and their documentation

A verb is a module here that defines ``COMMANDS``, a list of click commands; it is found by name, so
adding ``pr.py`` or ``audit.py`` needs no edit of this file. Shared: :mod:`.options` (the run options and
setup), :mod:`.common` (exit codes, paths as shown), :mod:`.report` (the text report).

Exit codes, as ruff and black: 0 done (nothing pending), 1 changes pending (--dry-run, --patch),
2 usage error or files that could not be processed (each named; the rest of the run completed).
"""

from __future__ import annotations

import click

from .. import __version__
from .common import EXIT_ERROR, EXIT_OK, EXIT_PENDING


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="codemod")
def main() -> None:
    """Find async-hygiene hazards in asyncio code and fix them as reviewable patches."""


def _register() -> None:
    """Every module of this package that defines ``COMMANDS`` (a list of click commands) adds its verbs:
    a new verb is a new module (``pr.py``, ``audit.py``), with no edit here."""
    import importlib
    import pkgutil

    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for command in getattr(module, "COMMANDS", ()):
            main.add_command(command)


_register()

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_PENDING", "main"]
