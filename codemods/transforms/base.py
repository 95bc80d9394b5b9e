"""The contract every transform implements.

A transform is one class in one module of :mod:`codemods.transforms`, registered with
:func:`codemods.transforms.register`. The engine drives it through four steps:

``prefilter``
    Bytes without which the transform cannot fire. Files containing none of them are never parsed.

``index(src, tree) -> facts``
    Called once per candidate file with CPython's :mod:`ast` tree (cheap: ~12x faster than a
    LibCST parse). Returns *plain, picklable* data (dataclasses, tuples, dicts of str/int), or
    ``None`` when the file has nothing for this transform. Facts travel between processes and are
    cached by content hash, so they must not hold AST nodes or open resources.

``reference_names(facts) -> set[bytes]``
    Optional second prefilter round: files that failed ``prefilter`` but mention one of these
    names are indexed too (cross-file references).

``plan(facts_by_path) -> Plan``
    The only step that sees the whole repository. Single-file transforms keep the default (every
    file with facts is rewritten). Cross-file transforms (``await-free``) decide here, to a fixpoint,
    what changes where, and report repository-level skips.

``rewrite(module, file_plan, ctx) -> cst.Module``
    Called only for files in the plan, with the LibCST module. Returns the new module, and reports
    every rewrite with ``ctx.change`` and every candidate it leaves alone with ``ctx.skip``.
    Transforms that run after another one on the same file receive that transform's output, so a
    rewrite must find its targets in the tree it is given. Positions recorded at index time are only
    valid for transforms with ``positional_plan = True`` (the engine runs those first).

A transform that is not sure leaves the code alone and reports a skip: never break code.
"""

from __future__ import annotations

import ast
import inspect
from dataclasses import dataclass, field
from typing import Any, ClassVar, Mapping

import libcst as cst


@dataclass(frozen=True, order=True)
class Skip:
    """A candidate left alone, with the reason a reviewer needs."""

    path: str
    line: int
    col: int
    transform: str
    reason: str

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.transform}: {self.reason}"


@dataclass(frozen=True, order=True)
class Change:
    """One rewrite, as it is reported and explained in a pull request body."""

    path: str
    line: int
    col: int
    transform: str
    message: str

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.transform}: {self.message}"


@dataclass(frozen=True)
class SourceInfo:
    """What ``index`` knows about a file besides its tree."""

    path: str  # repository-relative, POSIX separators
    module: str  # dotted module name ("pkg.sub.mod"; "pkg" for pkg/__init__.py)
    is_package: bool  # the file is a package's __init__.py
    text: str  # decoded source


@dataclass
class Plan:
    """The whole-repository decision: per-file plans (only files to rewrite) and skips."""

    files: dict[str, Any] = field(default_factory=dict)
    skips: list[Skip] = field(default_factory=list)


class RewriteContext:
    """Collects the changes and skips a transform reports while rewriting one file."""

    def __init__(self, path: str, transform: str) -> None:
        self.path = path
        self.transform = transform
        self.changes: list[Change] = []
        self.skips: list[Skip] = []

    def change(self, line: int, col: int, message: str) -> None:
        self.changes.append(Change(self.path, line, col, self.transform, message))

    def skip(self, line: int, col: int, reason: str) -> None:
        self.skips.append(Skip(self.path, line, col, self.transform, reason))


class Transform:
    """Base class. Subclasses set the class attributes and override index/plan/rewrite.

    The subclass docstring is the user documentation, in the shape of ruff's rule docs:
    ``## What it does``, ``## Why is this bad?``, ``## Example``, ``## Fix safety``. ``codemod explain``
    prints it and pull request bodies quote it.
    """

    name: ClassVar[str] = ""  # kebab-case, unique
    summary: ClassVar[str] = ""  # one line, for `codemod list`
    prefilter: ClassVar[tuple[bytes, ...]] = ()  # any of these must occur in the file's bytes
    in_all: ClassVar[bool] = True  # selected by `--transform all`
    positional_plan: ClassVar[bool] = False  # plan refers to index-time positions: run first
    cross_file: ClassVar[bool] = False  # plan needs every file's facts (no per-file re-check)
    version: ClassVar[str] = "1"  # bump when index() output changes (facts cache key)
    option_defaults: ClassVar[Mapping[str, Any]] = {}  # keys are kebab-case, as in pyproject

    # Set by the engine before plan(): the repository-relative paths the user asked to change, or None
    # for "every file indexed". A cross-file transform indexes the whole repository but must not plan an
    # edit outside these; a change that would need one is a skip naming the file.
    editable: frozenset[str] | None = None
    # Set by the engine before plan(): the raw bytes of files that could not be indexed (they do not
    # parse, or do not decode). A cross-file transform cannot see their references; it may search them.
    unparsed: Mapping[str, bytes] = {}

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        unknown = set(options or {}) - set(self.option_defaults)
        if unknown:
            raise ValueError(
                f"{self.name}: unknown option(s) {', '.join(sorted(unknown))}; "
                f"known: {', '.join(sorted(self.option_defaults)) or 'none'}"
            )
        self.options: dict[str, Any] = {**self.option_defaults, **(options or {})}

    # -- documentation -------------------------------------------------------------------------
    @classmethod
    def doc(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or cls.summary)

    # -- pipeline ------------------------------------------------------------------------------
    def wants(self, data: bytes) -> bool:
        return not self.prefilter or any(p in data for p in self.prefilter)

    def index(self, src: SourceInfo, tree: ast.Module) -> Any:
        """Facts for this file, or None when the transform has nothing to do here."""
        return True

    def reference_names(self, facts: dict[str, Any]) -> set[bytes]:
        """Names whose mention makes a file worth indexing although it failed the prefilter.

        Called once the prefiltered files are indexed. ``await-free`` returns its candidates' names so
        that ``asyncio.run(main())`` in a file with no ``async def`` still counts as a use.
        """
        return set()

    def plan(self, facts: dict[str, Any]) -> Plan:
        return Plan(files={p: f for p, f in facts.items() if f})

    def rewrite(self, module: cst.Module, file_plan: Any, ctx: RewriteContext) -> cst.Module:
        raise NotImplementedError

    def __reduce__(self):  # transforms travel to worker processes as (class, options)
        return (type(self), (self.options,))
