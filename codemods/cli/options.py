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

import dataclasses
import os
import sys
from dataclasses import dataclass, fields
from typing import Any, Callable, Mapping

import click

from ..cache import CACHE_DIR_NAME
from ..changeset import Changeset
from ..config import Config, ConfigError, did_you_mean, load, parse_option_value
from ..discover import DiscoverError, find_root
from ..transforms import Transform, registry
from .common import EXIT_ERROR, echo_err, stderr_console

PROGRESS_MIN_FILES = 200  # below this a run is quick: no progress bar

COLOR_CHOICES = ("auto", "always", "never")

_OPTIONS: list[Callable] = [
    click.option("-t", "--transform", "transforms", multiple=True, metavar="NAME",
                 help="Transform to run (repeatable; `all` for every default one). Default: [tool.codemod] select."),
    click.argument("paths", nargs=-1, type=click.Path()),
    click.option("--config", "config_file", type=click.Path(dir_okay=False), metavar="FILE",
                 help="Read the configuration from FILE: a pyproject.toml, or a codemod.toml (its top level is "
                      "[tool.codemod]). Default: the project's pyproject.toml."),
    click.option("--unsafe-fixes/--no-unsafe-fixes", "unsafe_fixes", default=None,
                 help="Apply the unsafe fixes (timing or lifetime changes by design) of every transform. Without "
                      "it, a transform named with --transform applies its unsafe fixes; `all`, configured `select` "
                      "and the pre-commit hook apply only safe ones."),
    click.option("-o", "--option", "options", multiple=True, metavar="NAME.KEY=VALUE",
                 help="A transform option, as in [tool.codemod.NAME]; VALUE is typed by the option's default "
                      "(true/false, yes/no, on/off, 1/0 for a boolean; a JSON list or comma-separated for a list)."),
    click.option("--include-public", is_flag=True, help="await-free: public names are this repository's own (safe fixes), __all__ included."),
    click.option("--include-unreferenced", is_flag=True, help="await-free: also convert functions nothing references."),
    click.option("--stdin-filename", metavar="PATH",
                 help="With `-` as the path: the module read from stdin is the file at PATH (cross-file transforms "
                      "see the repository around it); the result goes to stdout."),
    click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: all cores)."),
    click.option("--executor", type=click.Choice(["process", "serial", "dask"]), default="process", show_default=True,
                 help="Where the per-file work runs: a local process pool, this process, or a dask.distributed "
                      "cluster (with --scheduler)."),
    click.option("--scheduler", metavar="ADDRESS",
                 help="With --executor dask: the scheduler's address (tcp://host:8786)."),
    click.option("--no-cache", is_flag=True, help="Do not read or write the index cache (.codemod-cache/)."),
    click.option("--exit-zero", is_flag=True, help="Exit 0 even when changes are pending (errors still exit 2)."),
    click.option("-q", "--quiet", is_flag=True, help="Print only the primary output (diff, patch, JSON) and errors."),
    click.option("-v", "--verbose", is_flag=True, help="Also print phase timings and how many files were read and parsed."),
    click.option("--color", "color", type=click.Choice(COLOR_CHOICES), default="auto", show_default=True,
                 help="Colour the diff and the summary: auto is on a terminal only, off with NO_COLOR, "
                      "forced with FORCE_COLOR."),
    click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: on a terminal)."),
    click.option("--hook", is_flag=True, hidden=True,
                 help="What the pre-commit hooks pass: without --transform or `select`, run `all`; named "
                      "transforms apply only safe fixes unless --unsafe-fixes or `unsafe-fixes = true`."),
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
    config_file: str | None = None
    unsafe_fixes: bool | None = None
    options: tuple[str, ...] = ()
    include_public: bool = False
    include_unreferenced: bool = False
    stdin_filename: str | None = None
    jobs: int | None = None
    executor: str = "process"
    scheduler: str | None = None
    no_cache: bool = False
    exit_zero: bool = False
    quiet: bool = False
    verbose: bool = False
    color: str = "auto"
    progress: bool | None = None
    hook: bool = False

    @classmethod
    def take(cls, kwargs: dict[str, Any]) -> "RunOptions":
        """The shared options out of a command's keyword arguments (removed from ``kwargs``)."""
        return cls(**{f.name: kwargs.pop(f.name) for f in fields(cls) if f.name in kwargs})

    @property
    def stdin(self) -> bool:
        return self.paths == ("-",)

    def colour(self, stream) -> bool:
        """Whether to colour what goes to ``stream``: --color always/never; auto: NO_COLOR (non-empty)
        turns it off, FORCE_COLOR (non-empty) on, else only on a terminal (and not TERM=dumb)."""
        return use_colour(self.color, stream)


def use_colour(choice: str, stream) -> bool:
    if choice != "auto":
        return choice == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        tty = stream.isatty()
    except (AttributeError, ValueError):
        tty = False
    return tty and os.environ.get("TERM") != "dumb"


@dataclass
class Setup:
    """What a run verb knows before the engine runs."""

    root: str
    in_git: bool
    config: Config
    transforms: list[Transform]
    paths: list[str]
    stdin_path: str | None = None  # repository-relative: the file the module on stdin stands for


def prepare(opts: RunOptions) -> Setup:
    """Find the root, load the configuration, choose the transforms (usage errors raise click's)."""
    if opts.stdin and not opts.stdin_filename:
        raise click.UsageError("reading from stdin (`-`) needs --stdin-filename PATH: the file the module stands for")
    if opts.stdin_filename and not opts.stdin:
        raise click.UsageError("--stdin-filename goes with `-` as the only path")
    if "-" in opts.paths and not opts.stdin:
        raise click.UsageError("`-` (stdin) must be the only path")
    paths = [opts.stdin_filename] if opts.stdin else list(opts.paths or (".",))
    start = paths[0]
    if opts.stdin and not os.path.exists(start):
        start = os.path.dirname(os.path.abspath(start))
        while not os.path.isdir(start):
            start = os.path.dirname(start)
    root, in_git = find_root(start)
    reg = registry()
    try:
        config = load(root, reg, opts.config_file)
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    cli_options = parse_options(opts.options)
    if opts.include_public:
        cli_options.setdefault("await-free", {})["include-public"] = True
    if opts.include_unreferenced:
        cli_options.setdefault("await-free", {})["include-unreferenced"] = True
    selected = select(opts.transforms, config, cli_options, opts.unsafe_fixes, hook=opts.hook)
    stdin_path = None
    if opts.stdin:
        full = os.path.realpath(opts.stdin_filename)
        if full != root and not full.startswith(root + os.sep):
            raise click.UsageError(f"--stdin-filename {opts.stdin_filename}: outside the repository root {root}")
        stdin_path = os.path.relpath(full, root).replace(os.sep, "/")
    return Setup(root, in_git, config, selected, paths, stdin_path)


def parse_options(raw_options: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """``--option NAME.KEY=VALUE`` values, typed by each option's default; usage errors name the
    expected type, and a near miss of a transform or option name."""
    reg = registry()
    out: dict[str, dict[str, Any]] = {}
    for raw in raw_options:
        key, sep, value = raw.partition("=")
        name, dot, opt = key.partition(".")
        if not sep or not dot:
            raise click.UsageError(f"--option {raw!r}: expected NAME.KEY=VALUE (a transform NAME, one of its options KEY)")
        if name not in reg:
            raise click.UsageError(f"--option {raw!r}: no transform named {name!r}{did_you_mean(name, reg)}")
        defaults = reg[name].option_defaults
        if opt not in defaults:
            known = ", ".join(sorted(defaults)) or "none"
            raise click.UsageError(
                f"--option {raw!r}: {name} has no option {opt!r}{did_you_mean(opt, defaults)} (known: {known}); "
                f"unknown option"
            )
        try:
            out.setdefault(name, {})[opt] = parse_option_value(value, defaults[opt])
        except ValueError as exc:
            raise click.UsageError(f"--option {raw!r}: {name}.{opt} {exc}") from None
    return out


def select(
    names: tuple[str, ...], config: Config, cli_options: dict[str, dict[str, Any]], unsafe_fixes: bool | None = None,
    *, hook: bool = False,
) -> list[Transform]:
    """The transforms to run, each told whether this run applies its unsafe fixes: a transform named on
    the command line does (the user chose it); `all`, configured `select` and the pre-commit hook do
    not, unless --unsafe-fixes (or `unsafe-fixes = true`); --no-unsafe-fixes holds them back everywhere."""
    reg = registry()
    if unsafe_fixes is None:
        unsafe_fixes = config.unsafe_fixes
    chosen = list(names) or config.select or (["all"] if hook else [])
    named = set() if hook else {n for n in names if n != "all"}
    if not chosen:
        raise click.UsageError("choose a transform with --transform NAME (or `all`); `codemod list` shows them")
    selected: list[str] = []
    for name in chosen:
        if name == "all":
            selected.extend(n for n, c in reg.items() if c.in_all)
        elif name in reg:
            selected.append(name)
        else:
            raise click.UsageError(f"no transform named {name!r}{did_you_mean(name, reg)}; `codemod list` shows them")
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


def cache_location(setup: Setup, opts: RunOptions) -> str | None:
    """Where the index cache goes (None with ``--no-cache``): :func:`cache_dir_for` the run's root."""
    return None if opts.no_cache else cache_dir_for(setup.root, setup.in_git)


def cache_dir_for(root: str, in_git: bool) -> str:
    """``.codemod-cache/`` at the project root (a git work tree, or the folder of the pyproject.toml
    found), never in an unrelated folder; without a project root, the user's cache folder, one
    subfolder per root."""
    if in_git or os.path.isfile(os.path.join(root, "pyproject.toml")):
        return os.path.join(root, CACHE_DIR_NAME)
    import hashlib

    import platformdirs

    digest = hashlib.sha1(root.encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return os.path.join(platformdirs.user_cache_dir("codemod"), digest)


def workspace(setup: Setup, *, overlay: Mapping[str, bytes] | None = None, stdin: bytes | None = None):
    """The files of the run, read once (:class:`codemods.pipeline.Workspace`). ``overlay``: bytes to use
    instead of what is on disk for some paths (a partially accepted review). ``stdin``: the module that
    stands for ``setup.stdin_path``, the only file the run may change; cross-file transforms read the
    repository around it."""
    from ..pipeline import discover as phase

    cross = any(t.cross_file for t in setup.transforms)
    if stdin is not None:
        rel = setup.stdin_path
        sources: dict[str, bytes] = {}
        notices = []
        if cross:
            around = phase.read(phase.find([setup.root], setup.config, setup.root, setup.in_git, whole_repository=True))
            sources, notices = around.contents, around.notices
        sources[rel] = stdin
        ws = phase.Workspace.from_sources(setup.root, sources, scope=[rel], in_git=setup.in_git)
        ws.notices, ws.named = list(notices), frozenset([rel])
    else:
        found = phase.find(setup.paths, setup.config, setup.root, setup.in_git, whole_repository=cross)
        ws = phase.read(found)
        for rel, data in (overlay or {}).items():
            if rel in ws.files:
                ws.files[rel] = dataclasses.replace(ws.files[rel], data=data)
    ws.ignore(setup.config, setup.transforms)
    return ws


def make_executor(opts: RunOptions, jobs: int):
    """The executor of ``--executor`` (pipeline owner's seam); a usage error when it cannot be set up."""
    from ..pipeline import executors

    if opts.scheduler and opts.executor != "dask":
        raise click.UsageError("--scheduler goes with --executor dask")
    try:
        return executors.make(opts.executor, jobs, opts.scheduler)
    except executors.ExecutorError as exc:
        raise click.UsageError(str(exc)) from None


def run_transforms(
    setup: Setup, opts: RunOptions, *, quiet_progress: bool = False, overlay: Mapping[str, bytes] | None = None,
    stdin: bytes | None = None,
) -> Changeset:
    """Run the pipeline with a progress bar on stderr (on a terminal, unless ``quiet_progress``).
    A run that cannot start (git refuses the repository) is one line and exit 2."""
    import time

    from ..pipeline import run_workspace

    started = time.perf_counter()
    show_progress = sys.stderr.isatty() if opts.progress is None else opts.progress
    callback, bar = progress_bar(show_progress and not quiet_progress and overlay is None)
    try:
        ws = workspace(setup, overlay=overlay, stdin=stdin)
        jobs = opts.jobs or setup.config.jobs or os.cpu_count() or 1
        with make_executor(opts, jobs) as executor:
            return run_workspace(
                ws, setup.transforms, jobs=jobs, progress=callback, cache_dir=cache_location(setup, opts),
                started=started, executor=executor,
            ).changeset
    except DiscoverError as exc:
        echo_err(f"error: {exc}")
        sys.exit(EXIT_ERROR)
    finally:
        if bar is not None:
            bar.stop()


def progress_bar(enabled: bool):
    """A progress callback for the phases and the rich bar it drives on stderr (``None, None`` when off);
    a phase shows once it has at least ``PROGRESS_MIN_FILES`` files."""
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
