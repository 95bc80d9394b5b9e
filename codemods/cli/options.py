"""The options every run verb shares (`apply`, `pr`, `audit`), and the setup they all do with them.

A verb stacks :func:`run_options` on its command, collects them with :meth:`RunOptions.take`, and calls
:func:`prepare` (root, configuration, transforms) then :func:`run` (the engine, with a progress bar)::

    @click.command()
    @run_options
    @click.option("--dry-run", is_flag=True)
    def apply(dry_run, **run):
        opts = RunOptions.take(run)
        setup = prepare(opts)
        cs = run_transforms(setup, opts, progress=...)
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, fields
from typing import Any, Callable

import click

from ..cache import CACHE_DIR_NAME
from ..changeset import Changeset
from ..config import Config, ConfigError, load
from ..discover import DiscoverError, find_root
from ..transforms import Transform, registry
from .common import EXIT_ERROR, echo_err, stderr_console

PROGRESS_MIN_FILES = 200  # below this a run is quick: no progress bar

_OPTIONS: list[Callable] = [
    click.option("-t", "--transform", "transforms", multiple=True, metavar="NAME",
                 help="Transform to run (repeatable; `all` for every default one). Default: [tool.codemod] select."),
    click.argument("paths", nargs=-1, type=click.Path()),
    click.option("--unsafe-fixes/--no-unsafe-fixes", "unsafe_fixes", default=None,
                 help="Apply unsafe fixes (timing or lifetime changes) of every transform, not only of the ones named."),
    click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: all cores)."),
    click.option("--include-public", is_flag=True, help="await-free: also convert names listed in __all__."),
    click.option("--include-unreferenced", is_flag=True, help="await-free: also convert functions nothing references."),
    click.option("-o", "--option", "options", multiple=True, metavar="NAME.KEY=VALUE",
                 help="A transform option, as in [tool.codemod.NAME] (VALUE is JSON or a plain string)."),
    click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: on a terminal)."),
    click.option("--no-cache", is_flag=True, help="Do not read or write the index cache (.codemod-cache/)."),
]


def run_options(func: Callable) -> Callable:
    """Add the shared run options to a click command."""
    for option in reversed(_OPTIONS):
        func = option(func)
    return func


@dataclass
class RunOptions:
    transforms: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    unsafe_fixes: bool | None = None
    jobs: int | None = None
    include_public: bool = False
    include_unreferenced: bool = False
    options: tuple[str, ...] = ()
    progress: bool | None = None
    no_cache: bool = False

    @classmethod
    def take(cls, kwargs: dict[str, Any]) -> "RunOptions":
        """The shared options out of a command's keyword arguments (removed from ``kwargs``)."""
        return cls(**{f.name: kwargs.pop(f.name) for f in fields(cls) if f.name in kwargs})


@dataclass
class Setup:
    """What a run verb knows before the engine runs."""

    root: str
    config: Config
    transforms: list[Transform]
    paths: list[str]


def prepare(opts: RunOptions) -> Setup:
    """Find the root, load the configuration, choose the transforms (usage errors raise click's)."""
    paths = list(opts.paths or (".",))
    root, _ = find_root(paths[0])
    reg = registry()
    try:
        config = load(root, set(reg))
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    cli_options = parse_options(opts.options)
    if opts.include_public:
        cli_options.setdefault("await-free", {})["include-public"] = True
    if opts.include_unreferenced:
        cli_options.setdefault("await-free", {})["include-unreferenced"] = True
    selected = select(opts.transforms, config, cli_options, opts.unsafe_fixes)
    return Setup(root, config, selected, paths)


def parse_options(raw_options: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    reg = registry()
    out: dict[str, dict[str, Any]] = {}
    for raw in raw_options:
        key, sep, value = raw.partition("=")
        name, dot, opt = key.partition(".")
        if not sep or not dot or name not in reg:
            raise click.UsageError(f"--option {raw!r}: expected NAME.KEY=VALUE with a transform NAME")
        out.setdefault(name, {})[opt] = _parse_value(value)
    return out


def _parse_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def select(
    names: tuple[str, ...], config: Config, cli_options: dict[str, dict[str, Any]], unsafe_fixes: bool | None = None
) -> list[Transform]:
    """The transforms to run, each told whether this run applies its unsafe fixes: a transform named on
    the command line does (the user chose it); `all` and configured `select` do not, unless
    --unsafe-fixes (or `unsafe-fixes = true`); --no-unsafe-fixes holds them back everywhere."""
    reg = registry()
    if unsafe_fixes is None:
        unsafe_fixes = config.unsafe_fixes
    chosen = list(names) or config.select
    named = {n for n in names if n != "all"}
    if not chosen:
        raise click.UsageError("choose a transform with --transform NAME (or `all`); `codemod list` shows them")
    selected: list[str] = []
    for name in chosen:
        if name == "all":
            selected.extend(n for n, c in reg.items() if c.in_all)
        elif name in reg:
            selected.append(name)
        else:
            raise click.UsageError(f"no transform named {name!r}; `codemod list` shows them")
    out = []
    for name in dict.fromkeys(selected):
        options = {**config.transform_options.get(name, {}), **cli_options.get(name, {})}
        try:
            transform = reg[name](options)
        except ValueError as exc:
            raise click.UsageError(str(exc)) from None
        transform.allow_unsafe = unsafe_fixes if unsafe_fixes is not None else name in named
        out.append(transform)
    return out


def run_transforms(setup: Setup, opts: RunOptions, *, quiet_progress: bool = False) -> Changeset:
    """Run the engine with a progress bar on stderr (on a terminal, unless ``quiet_progress``).
    A run that cannot start (git refuses the repository) is one line and exit 2."""
    from .. import engine

    show_progress = sys.stderr.isatty() if opts.progress is None else opts.progress
    callback, bar = _progress_callback(show_progress and not quiet_progress)
    try:
        cache_dir = None if opts.no_cache else os.path.join(setup.root, CACHE_DIR_NAME)
        return engine.run(
            setup.paths, setup.transforms, config=setup.config, jobs=opts.jobs, progress=callback, root=setup.root,
            cache_dir=cache_dir,
        )
    except DiscoverError as exc:
        echo_err(f"error: {exc}")
        sys.exit(EXIT_ERROR)
    finally:
        if bar is not None:
            bar.stop()


def _progress_callback(enabled: bool):
    if not enabled:
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=stderr_console(), transient=True,
    )
    tasks: dict[str, Any] = {}

    def callback(phase: str, done: int, total: int) -> None:
        if total < PROGRESS_MIN_FILES and phase not in tasks:
            return
        if phase not in tasks:
            tasks[phase] = bar.add_task(phase, total=total)
            if len(tasks) == 1:
                bar.start()
        bar.update(tasks[phase], completed=done)

    return callback, bar
