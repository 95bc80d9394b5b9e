"""The command line: one module per verb, the options every run verb shares in :mod:`.options`.

- ``apply``  (:mod:`.apply`): fix in place, or print / write the patch, or review it hunk by hunk
- ``list``, ``explain`` (:mod:`.docs`): the transforms and their documentation

A verb is a module here that defines ``COMMANDS``, a list of click commands; it is found by name, so
adding ``pr.py`` or ``audit.py`` needs no edit of this file. Shared: :mod:`.options` (the run options and
setup), :mod:`.common` (exit codes, paths as shown), :mod:`.report` (the text report).

Exit codes, as ruff and black: 0 done (nothing pending), 1 changes pending (--dry-run, --check,
--patch), 2 usage error, files that could not be processed (each named; the rest of the run completed),
an output that could not be written (one line), or a crash (a short message and how to report it:
never exit 1); 130 interrupted (Ctrl-C), with nothing half-written.
"""

from __future__ import annotations

import os
import sys
import traceback

import click

from .. import __version__
from .common import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_PENDING

REPORT_HINT = "this is a bug in codemod {version}: please report it with the command you ran" \
    " (CODEMOD_TRACEBACK=1 prints the traceback)"


class _Main(click.Group):
    """The verbs, with failures turned into exit codes: nothing escapes as a traceback and exit 1."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except click.exceptions.Abort as exc:
            if isinstance(exc.__context__, EOFError):
                raise
            _interrupted()
        except KeyboardInterrupt:
            _interrupted()
        except BrokenPipeError:
            _quiet_stdout()
            _fail("error: output closed early (broken pipe)")
        except OSError as exc:
            where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
            _fail(f"error: cannot write{where}: {exc.strerror or exc}")
        except Exception as exc:  # a crash: short, with how to report it
            if os.environ.get("CODEMOD_TRACEBACK"):
                traceback.print_exc()
            message = str(exc).splitlines()[0][:300] if str(exc) else ""
            _fail(f"codemod: internal error: {type(exc).__name__}{': ' + message if message else ''}\n"
                  + REPORT_HINT.format(version=__version__))


def _interrupted() -> None:
    _fail("interrupted: nothing half-written (every file write is atomic)", EXIT_INTERRUPTED)


def _fail(message: str, code: int = EXIT_ERROR) -> None:
    try:
        click.echo(message, err=True)
    except OSError:
        pass
    sys.exit(code)


def _quiet_stdout() -> None:
    """After a broken pipe, send what is left to /dev/null so that the interpreter's own flush at exit
    does not print a second error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


@click.group(cls=_Main, context_settings={"help_option_names": ["-h", "--help"]})
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

__all__ = ["EXIT_ERROR", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_PENDING", "main"]
