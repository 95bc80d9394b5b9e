"""The command line: one module per verb, the options every run verb shares in :mod:`.options`.

- ``apply``  (:mod:`.apply`): fix in place, or print / write the patch, or review it hunk by hunk
- ``list``, ``explain`` (:mod:`.docs`): the transforms and their documentation

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
    from . import apply, docs

    for module in (apply, docs):
        for command in module.COMMANDS:
            main.add_command(command)


_register()

__all__ = ["EXIT_ERROR", "EXIT_OK", "EXIT_PENDING", "main"]
