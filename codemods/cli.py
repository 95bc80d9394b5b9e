"""The command line: parses options, calls the library, renders. Exit codes as ruff and black:
0 done (nothing pending), 1 changes pending (--dry-run, --patch), 2 usage error or files that could not
be processed (each named; the rest of the run completed)."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click

from . import __version__
from .cache import CACHE_DIR_NAME
from .changeset import Changeset, FileChange
from .config import Config, ConfigError, load
from .discover import DiscoverError, find_root
from .transforms import Transform, registry

EXIT_OK, EXIT_PENDING, EXIT_ERROR = 0, 1, 2
PROGRESS_MIN_FILES = 200  # below this a run is quick: no progress bar


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True, highlight=False)


def _stdout_console():
    from rich.console import Console

    return Console(highlight=False, soft_wrap=True)


def _echo_err(message: str) -> None:
    click.echo(message, err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="codemod")
def main() -> None:
    """Find async-hygiene hazards in asyncio code and fix them as reviewable patches."""


@main.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_cmd(fmt: str) -> None:
    """List the transforms."""
    reg = registry()
    if fmt == "json":
        click.echo(json.dumps([
            {"name": n, "summary": c.summary, "in_all": c.in_all, "options": dict(c.option_defaults)}
            for n, c in sorted(reg.items())
        ], indent=2))
        return
    width = max((len(n) for n in reg), default=0)
    for name, cls in sorted(reg.items()):
        opt_in = "" if cls.in_all else "  (opt-in: not in `all`)"
        click.echo(f"{name.ljust(width)}  {cls.summary}{opt_in}")


@main.command()
@click.argument("name")
def explain(name: str) -> None:
    """Print a transform's documentation: what it does, why, an example, and its fix safety."""
    reg = registry()
    if name not in reg:
        raise click.UsageError(f"no transform named {name!r}; `codemod list` shows them")
    cls = reg[name]
    click.echo(f"# {name}\n\n{cls.summary}\n\n{cls.doc()}")
    if cls.option_defaults:
        click.echo(f"\n## Options (`[tool.codemod.{name}]` in pyproject.toml, or `--option {name}.KEY=VALUE`)\n")
        for key, value in cls.option_defaults.items():
            click.echo(f"- `{key}` (default: `{json.dumps(value)}`)")


def _parse_value(raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError:
        return raw


def _select(
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


def _display(cs: Changeset, path: str) -> str:
    """Paths relative to the current folder when under it (clickable in terminals), else repo-relative."""
    full = os.path.join(cs.root, path)
    rel = os.path.relpath(full)
    return path if rel.startswith("..") else rel.replace(os.sep, "/")


def _progress_callback(enabled: bool):
    if not enabled:
        return None, None
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    bar = Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeElapsedColumn(), console=_stderr_console(), transient=True,
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


def _print_diff(text: str) -> None:
    if not sys.stdout.isatty():
        click.echo(text, nl=False)
        return
    from rich.syntax import Syntax

    _stdout_console().print(Syntax(text, "diff", theme="ansi_dark", background_color="default"))


@main.command()
@click.option("-t", "--transform", "transforms", multiple=True, metavar="NAME",
              help="Transform to run (repeatable; `all` for every default one). Default: [tool.codemod] select.")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--dry-run", is_flag=True, help="Print the unified diff; write nothing. Exit 1 if changes are pending.")
@click.option("--patch", "patch_file", type=click.Path(dir_okay=False, writable=True),
              help="Write a patch `git apply` takes to FILE ('-' for stdout); write no source file.")
@click.option("-i", "--interactive", is_flag=True, help="Review each hunk and choose what to apply.")
@click.option("--show-skips", is_flag=True, help="List every candidate left alone, with the reason.")
@click.option("--unsafe-fixes/--no-unsafe-fixes", "unsafe_fixes", default=None,
              help="Apply unsafe fixes (timing or lifetime changes) of every transform, not only of the ones named.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="json: one document with changes, skips and errors on stdout.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@click.option("--allow-dirty", is_flag=True, help="Rewrite files that have uncommitted changes.")
@click.option("--include-public", is_flag=True, help="await-free: also convert names listed in __all__.")
@click.option("--include-unreferenced", is_flag=True, help="await-free: also convert functions nothing references.")
@click.option("-o", "--option", "options", multiple=True, metavar="NAME.KEY=VALUE",
              help="A transform option, as in [tool.codemod.NAME] (VALUE is JSON or a plain string).")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: on a terminal).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the index cache (.codemod-cache/).")
def apply(
    transforms: tuple[str, ...], paths: tuple[str, ...], dry_run: bool, patch_file: str | None,
    interactive: bool, show_skips: bool, unsafe_fixes: bool | None, fmt: str, jobs: int | None, allow_dirty: bool,
    include_public: bool, include_unreferenced: bool, options: tuple[str, ...], progress: bool | None, no_cache: bool,
) -> None:
    """Apply transforms to PATHS (default: the current folder) and report what changed and what was skipped."""
    from . import engine, git

    if interactive and (dry_run or patch_file or fmt == "json"):
        raise click.UsageError("--interactive cannot be combined with --dry-run, --patch or --format json")
    paths = paths or (".",)
    root, _ = find_root(paths[0])
    reg = registry()
    try:
        config = load(root, set(reg))
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    cli_options: dict[str, dict[str, Any]] = {}
    for raw in options:
        key, sep, value = raw.partition("=")
        name, dot, opt = key.partition(".")
        if not sep or not dot or name not in reg:
            raise click.UsageError(f"--option {raw!r}: expected NAME.KEY=VALUE with a transform NAME")
        cli_options.setdefault(name, {})[opt] = _parse_value(value)
    if include_public:
        cli_options.setdefault("await-free", {})["include-public"] = True
    if include_unreferenced:
        cli_options.setdefault("await-free", {})["include-unreferenced"] = True
    selected = _select(transforms, config, cli_options, unsafe_fixes)

    show_progress = sys.stderr.isatty() if progress is None else progress
    callback, bar = _progress_callback(show_progress and fmt == "text")
    try:
        cache_dir = None if no_cache else os.path.join(root, CACHE_DIR_NAME)
        cs = engine.run(list(paths), selected, config=config, jobs=jobs, progress=callback, root=root, cache_dir=cache_dir)
    except DiscoverError as exc:
        _echo_err(f"error: {exc}")
        sys.exit(EXIT_ERROR)
    finally:
        if bar is not None:
            bar.stop()

    writing = not dry_run and not patch_file
    to_write: list[FileChange] = list(cs.files)
    refused: list[str] = []
    if writing and cs.files and not allow_dirty:
        try:
            dirty = git.dirty_paths(cs.root)
        except git.DirtyCheckError as exc:
            _echo_err(f"error: {exc}; nothing written (--allow-dirty skips this check)")
            sys.exit(EXIT_ERROR)
        if dirty is not None:
            refused = [f.path for f in cs.files if f.path in dirty]
            to_write = [f for f in cs.files if f.path not in dirty]
            for path in refused:
                from .changeset import FileError

                cs.errors.append(FileError(path, "has uncommitted changes: not rewritten (commit or stash them, or pass --allow-dirty)"))

    if interactive and writing:
        to_write = _review(cs, to_write)

    written: list[FileChange] = []
    if writing:
        written = engine.write_changes(cs, to_write)
    if patch_file:
        data = cs.patch_bytes()
        if patch_file == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            with open(patch_file, "wb") as fh:
                fh.write(data)

    if fmt == "json":
        doc = cs.to_json()
        doc["written"] = sorted(f.path for f in written)
        click.echo(json.dumps(doc, indent=2))
    else:
        _report_text(cs, dry_run=dry_run, writing=writing, written=written, show_skips=show_skips,
                     patch_to_stdout=patch_file == "-")

    if cs.errors:
        sys.exit(EXIT_ERROR)
    if not writing and cs.files:
        sys.exit(EXIT_PENDING)
    sys.exit(EXIT_OK)


def _report_text(cs: Changeset, *, dry_run: bool, writing: bool, written: list[FileChange],
                 show_skips: bool, patch_to_stdout: bool) -> None:
    # stdout carries the primary output: the diff in a dry run, the list of changes when writing
    primary_is_diff = dry_run and not patch_to_stdout
    if primary_is_diff:
        diff = cs.diff()
        if diff:
            _print_diff(diff)
    listed = written if writing else []
    for fc in listed:
        for c in fc.changes:
            mark = " [unsafe]" if c.safety == "unsafe" else ""
            click.echo(f"{_display(cs, c.path)}:{c.line}:{c.col}: {c.transform}{mark}: {c.message}")
    to_stdout = writing  # when writing, skips go with the change list; otherwise stdout holds a diff
    if show_skips:
        for s in cs.skips:
            click.echo(f"{_display(cs, s.path)}:{s.line}:{s.col}: {s.transform}: skipped: {s.reason}", err=not to_stdout)
    for n in cs.notices:
        _echo_err(f"{_display(cs, n.path)}: note: {n.message}")
    for e in cs.errors:
        label = "internal error" if e.kind == "internal" else "error"
        _echo_err(f"{_display(cs, e.path)}: {label}: {e.message}")
    rewrites = sum(len(f.changes) for f in cs.files)
    files = len(cs.files)
    if writing:
        done = sum(len(f.changes) for f in written)
        summary = f"Changed {len(written)} file{'s' * (len(written) != 1)} ({done} rewrite{'s' * (done != 1)})"
    else:
        summary = f"Would change {files} file{'s' * (files != 1)} ({rewrites} rewrite{'s' * (rewrites != 1)})"
    summary += f"; {len(cs.skips)} candidate{'s' * (len(cs.skips) != 1)} skipped"
    if cs.skips and not show_skips:
        summary += " (--show-skips lists them)"
    if cs.errors:
        summary += f"; {len(cs.errors)} error{'s' * (len(cs.errors) != 1)}"
    summary += f"; {int(cs.stats.get('files', 0))} files checked."
    if cs.held:
        n = len(cs.held)
        summary += f" {n} unsafe fix{'es' * (n != 1)} held back (--unsafe-fixes applies {'them' if n != 1 else 'it'})."
    _echo_err(summary)


def _review(cs: Changeset, files: list[FileChange]) -> list[FileChange]:
    """Hunk-by-hunk review, as `git add -p`: y apply, n skip, a rest of file, d skip file, q quit."""
    reg = registry()
    linked = [n for n in cs.transforms if reg[n].cross_file]
    if linked:
        _echo_err(
            f"note: {', '.join(linked)} changes depend on each other across hunks and files: accepting a "
            "converted definition while declining one of its call sites leaves an `await` on a plain function"
        )
    accepted_files: list[FileChange] = []
    quit_all = False
    for fc in files:
        if quit_all:
            break
        hunks = fc.hunks()
        keep = []
        diff = fc.diff()
        header, _, _ = diff.partition("@@")
        click.echo(header, nl=False)
        body_lines = diff.splitlines(keepends=True)
        hunk_texts = _split_hunk_texts(body_lines)
        decision_all: bool | None = None
        for hunk, text in zip(hunks, hunk_texts):
            if decision_all is not None:
                if decision_all:
                    keep.append(hunk)
                continue
            _print_diff(text)
            answer = click.prompt(
                f"Apply this hunk to {fc.path} [y,n,a,d,q]", type=click.Choice(["y", "n", "a", "d", "q"]),
                show_choices=False, err=True,
            )
            if answer == "y":
                keep.append(hunk)
            elif answer == "a":
                keep.append(hunk)
                decision_all = True
            elif answer == "d":
                decision_all = False
            elif answer == "q":
                quit_all = True
                break
        if not keep:
            continue
        new_text = fc.apply_hunks(keep) if len(keep) != len(hunks) else fc.new_text
        try:
            compile(new_text, fc.path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            from .changeset import FileError

            cs.errors.append(FileError(fc.path, f"the hunks chosen do not compile together ({exc.msg}): not written"))
            continue
        kept_changes = [c for c in fc.changes if any(h.old_start < c.line <= h.old_start + max(h.old_len, 1) for h in keep)]
        accepted_files.append(FileChange(fc.path, fc.old_bytes, new_text, fc.source, kept_changes))
    return accepted_files


def _split_hunk_texts(lines: list[str]) -> list[str]:
    hunks: list[list[str]] = []
    for line in lines:
        if line.startswith("@@"):
            hunks.append([line])
        elif hunks:
            hunks[-1].append(line)
    return ["".join(h) for h in hunks]


if __name__ == "__main__":  # pragma: no cover
    main()
