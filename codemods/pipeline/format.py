"""Phase 5b, format (after the rewrite, before the changeset): a file that was clean under the project's formatter stays clean after the rewrite.

After the rewrite and before the changeset, each changed file is checked against the formatter the
target repository configures in its ``pyproject.toml``: ``[tool.black]`` means black,
``[tool.ruff]`` (or a ``ruff.toml``) means ruff format; both are tried, in that order, when both are
configured. When the file *before* the rewrite was exactly what that formatter makes of it, the
rewritten file is formatted too: the lines a transform added respect the project's line length and
quote style, and nothing else changes (the rest of the file already was the formatter's output). A file
the formatter would already have changed before the rewrite is left as the transform wrote it: the
project evidently does not format it, and a patch must not reformat code nobody asked to touch.

The formatter runs as the project runs it, from the command line: the executable on ``PATH``, else the
one installed beside this tool. Both the original and the rewritten texts of every changed file go
through it in one invocation (per black configuration), in a scratch folder that holds copies of the
configuration files that apply to them, so that nested configurations and ``line-length`` hold as in
the repository. When the configured formatter is not installed, the rewrite is kept as the transform
wrote it and the run says so once (a notice naming the formatter and how many changed files it did not
check); when the formatter fails, the same. Only UTF-8 files are formatted (ruff reads nothing else).
A formatted result must still compile and parse with LibCST, and a second run of the single-file
transforms must change nothing in it, or the unformatted one is kept.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import warnings
from dataclasses import dataclass, field
from typing import Callable, Iterable, Mapping

from ..changeset import FileError
from ..source import SourceError, decode

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

RUFF, BLACK = "ruff", "black"
RUFF_CONFIGS = ("pyproject.toml", "ruff.toml", ".ruff.toml")  # hierarchical, nearest wins
TIMEOUT_S = 300


@dataclass(frozen=True)
class Formatter:
    name: str  # "ruff" | "black"
    reason: str  # where the configuration says so, for messages


@dataclass
class Outcome:
    texts: dict[str, str] = field(default_factory=dict)  # path -> formatted text (only those that differ)
    notices: list[FileError] = field(default_factory=list)
    checked: int = 0  # changed files given to a formatter


def _toml(path: str) -> dict:
    try:
        with open(path, "rb") as fh:
            return tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}


def configured(root: str) -> list[Formatter]:
    """The formatters ``root``'s configuration names, in the order to try them."""
    tool = _toml(os.path.join(root, "pyproject.toml")).get("tool", {})
    out = []
    if isinstance(tool.get("black"), dict):
        out.append(Formatter(BLACK, "[tool.black] in pyproject.toml"))
    if isinstance(tool.get("ruff"), dict):
        out.append(Formatter(RUFF, "[tool.ruff] in pyproject.toml"))
    else:
        for name in ("ruff.toml", ".ruff.toml"):
            if os.path.isfile(os.path.join(root, name)):
                out.append(Formatter(RUFF, name))
                break
    return out


def command(name: str) -> list[str] | None:
    """How to run ``name``: the executable on PATH, else the one installed beside this tool."""
    found = shutil.which(name)
    if found:
        return [found]
    beside = os.path.join(os.path.dirname(sys.executable), name)
    if os.path.isfile(beside) and os.access(beside, os.X_OK):
        return [beside]
    if name == RUFF:
        try:
            from ruff.__main__ import find_ruff_bin  # the ruff wheel's own locator

            return [os.fsdecode(find_ruff_bin())]
        except (ImportError, FileNotFoundError):
            return None
    if importlib.util.find_spec(name) is not None:
        return [sys.executable, "-m", name]
    return None


Locate = Callable[[str], "list[str] | None"]


def run(
    root: str, changed: Mapping[str, tuple[bytes, str]], formatters: Iterable[Formatter] | None = None,
    locate: Locate | None = None, accept: Callable[[str, str], bool] | None = None,
) -> Outcome:
    """``changed``: path -> (the bytes before the rewrite, the rewritten text). Returns the formatted
    texts of the files that were formatter-clean before, and notices. ``accept(path, text)``: a further
    check of a formatted text (the run's: a second run of its transforms changes nothing)."""
    outcome = Outcome()
    locate = locate or command
    formatters = configured(root) if formatters is None else list(formatters)
    if not changed or not formatters:
        return outcome
    todo: dict[str, tuple[bytes, str]] = {}
    for path, (old, new) in changed.items():
        try:
            decoded = decode(old)
        except SourceError:
            continue
        if decoded.encoding == "utf-8":
            todo[path] = (old, new)
    missing: list[Formatter] = []
    for fmt in formatters:
        if not todo:
            break
        cmd = locate(fmt.name)
        if cmd is None:
            missing.append(fmt)
            continue
        outcome.checked = max(outcome.checked, len(todo))
        try:
            clean, formatted = _format(fmt.name, cmd, root, todo)
        except FormatterFailed as exc:
            outcome.notices.append(FileError(
                "pyproject.toml", f"{fmt.name} ({fmt.reason}) failed ({exc}): {len(todo)} changed file(s) left as "
                "the transforms wrote them", "notice",
            ))
            continue
        for path in clean:
            text = formatted.get(path)
            if text is not None and text != todo[path][1] and _sound(text, path) and (accept is None or accept(path, text)):
                outcome.texts[path] = text
            del todo[path]
    if missing and len(missing) == len(formatters):
        names = " and ".join(f"{f.name} ({f.reason})" for f in missing)
        outcome.notices.append(FileError(
            "pyproject.toml", f"{names} is configured but not installed here: {len(todo)} changed file(s) were not "
            "checked against it; run it on them before committing", "notice",
        ))
    return outcome


class FormatterFailed(Exception):
    pass


def _format(name: str, cmd: list[str], root: str, todo: Mapping[str, tuple[bytes, str]]) -> tuple[set[str], dict[str, str]]:
    """Format the before and after texts in a scratch copy; the paths whose before text was clean, and
    every after text as formatted."""
    with tempfile.TemporaryDirectory(prefix="codemod-format-") as scratch:
        trees = {"before": os.path.join(scratch, "before"), "after": os.path.join(scratch, "after")}
        args: dict[str, list[str]] = {}  # black: one invocation per configuration file
        for path, (old, new) in todo.items():
            decoded = decode(old)
            for tree, data in (("before", old), ("after", decoded.encode(new))):
                target = os.path.join(trees[tree], *path.split("/"))
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "wb") as fh:
                    fh.write(data)
                config = _copy_configs(name, root, path, trees[tree])
                args.setdefault(config, []).append(target)
        for config, files in args.items():
            if name == RUFF:
                argv = [*cmd, "format", "--no-cache", "--quiet", "--", *files]
            else:
                argv = [*cmd, "--quiet", *(["--config", config] if config else []), "--", *files]
            try:
                proc = subprocess.run(argv, cwd=scratch, capture_output=True, timeout=TIMEOUT_S)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise FormatterFailed(str(exc)) from None
            if proc.returncode != 0:  # ruff: 2, black: 123 (a configuration error, a file it cannot parse)
                why = [ln for ln in proc.stderr.decode("utf-8", "replace").splitlines() if ln.strip()]
                raise FormatterFailed(why[0].strip() if why else f"exit {proc.returncode}")
        clean: set[str] = set()
        formatted: dict[str, str] = {}
        for path, (old, _new) in todo.items():
            parts = path.split("/")
            try:
                with open(os.path.join(trees["before"], *parts), "rb") as fh:
                    before = fh.read()
                with open(os.path.join(trees["after"], *parts), "rb") as fh:
                    after = fh.read()
            except OSError:
                continue
            if before != old:
                continue
            clean.add(path)
            try:
                formatted[path] = decode(after).text
            except SourceError:
                continue
        return clean, formatted


def _copy_configs(name: str, root: str, path: str, tree: str) -> str:
    """Copy the configuration files that apply to ``path`` into ``tree`` at the same places; for black,
    return the one black would read (the nearest pyproject.toml with a [tool.black] table)."""
    folders = path.split("/")[:-1]
    chosen = ""
    for depth in range(len(folders), -1, -1):
        rel = folders[:depth]
        for config in (RUFF_CONFIGS if name == RUFF else ("pyproject.toml",)):
            source = os.path.join(root, *rel, config)
            if not os.path.isfile(source):
                continue
            target = os.path.join(tree, *rel, config)
            if name == BLACK:
                if chosen or not isinstance(_toml(source).get("tool", {}).get("black"), dict):
                    continue
                chosen = target
            if not os.path.exists(target):
                os.makedirs(os.path.dirname(target), exist_ok=True)
                shutil.copyfile(source, target)
    return chosen


def _sound(text: str, path: str) -> bool:
    import libcst as cst

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, path, "exec", dont_inherit=True)
        cst.parse_module(text)
    except (SyntaxError, ValueError, cst.ParserSyntaxError):
        return False
    return True
