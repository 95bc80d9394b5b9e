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
    Called only for files in the plan, with the LibCST module. Returns the new module. Every rewrite is
    first offered to ``ctx.fix(line, col, message, safety=..., why=...)``, which says whether to make it
    (an unsafe fix may be held back, a line may carry ``# codemod: ignore``); every candidate left alone
    is reported with ``ctx.skip`` and a reason that names the pattern.
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

from ..model import SAFE, SAFETY_LEVELS, UNSAFE, Change, Skip
from ..suppress import Suppressions, suppresses


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
    # files of ``files`` whose rewrite would change nothing and only report these skips, as the index
    # already knows: when no other transform rewrites such a file, the run reports them from here and
    # LibCST never parses it
    report_only: dict[str, list[Skip]] = field(default_factory=dict)


class RewriteContext:
    """Collects what a transform reports while rewriting one file.

    Every rewrite goes through :meth:`fix` *before* the transform makes it, and the transform makes it
    only when ``fix`` returns True::

        if ctx.fix(line, col, "moved `await cb()` after the lock", safety=UNSAFE,
                   why="the callback now runs after the lock is released"):
            ...rewrite...

    ``fix`` returns False, and records why, when the fix is unsafe and unsafe fixes are not allowed in
    this run (held back: the summary tells the user how to apply them), or when the line carries a
    ``# codemod: ignore`` comment for this transform (suppressed). Candidates left alone for a reason of
    the transform's own are reported with :meth:`skip`.
    """

    def __init__(
        self, path: str, transform: str, *, allow_unsafe: bool = True, suppressions: Suppressions | None = None,
        codes: tuple[str, ...] = (), default_safety: str = SAFE,
    ) -> None:
        self.path = path
        self.default_safety = default_safety
        self.transform = transform
        self.allow_unsafe = allow_unsafe
        self.suppressions: Suppressions = suppressions or {}
        self.codes = (transform, *codes)  # what a `# codemod: ignore[...]` may name for this transform
        self.changes: list[Change] = []
        self.held: list[Change] = []  # unsafe fixes not applied in this run
        self.suppressed: list[Change] = []  # fixes a `# codemod: ignore` comment declined
        self.skips: list[Skip] = []

    def fix(
        self, line: int, col: int, message: str, *, safety: str, why: str = "", unit: str = "",
        end: tuple[int, int] | None = None,
    ) -> bool:
        """Report a rewrite the transform is about to make; False means: do not make it."""
        if safety not in SAFETY_LEVELS:
            raise ValueError(f"fix safety must be one of {SAFETY_LEVELS}, not {safety!r}")
        end_line, end_col = end or (0, 0)
        change = Change(self.path, line, col, self.transform, message, safety, why, unit, end_line, end_col)
        if suppresses(self.suppressions, line, self.codes):
            self.suppressed.append(change)
            return False
        if safety == UNSAFE and not self.allow_unsafe:
            self.held.append(change)
            return False
        self.changes.append(change)
        return True

    def suppressed_at(self, line: int) -> bool:
        """Whether ``line`` carries a ``# codemod: ignore`` for this transform (for rewrites that must
        decide before they can describe the fix)."""
        return suppresses(self.suppressions, line, self.codes)

    def change(self, line: int, col: int, message: str) -> None:
        """Deprecated: record an already-made rewrite at the transform's ``fix_safety``. Use :meth:`fix`."""
        self.changes.append(Change(self.path, line, col, self.transform, message, self.default_safety))

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
    # The fix safety of this transform's rewrites (the most permissive level any of them has): "safe" or
    # "unsafe", as ruff defines them (codemods.model). Each rewrite states its own level in ctx.fix().
    fix_safety: ClassVar[str] = SAFE
    # Audit rule ids whose findings this transform fixes (a `# codemod: ignore[ID]` also stops the fix).
    rules: ClassVar[tuple[str, ...]] = ()

    # Set by the engine before rewrite(): whether this run applies unsafe fixes. A transform named on
    # the command line applies them (the user chose it); `all`, configured `select` and the pre-commit
    # hook do not, unless --unsafe-fixes. Travels to worker processes with the transform.
    allow_unsafe: bool = True

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

    def context(self, path: str, suppressions: Suppressions | None = None) -> RewriteContext:
        """The context one rewrite of ``path`` reports into."""
        return RewriteContext(
            path, self.name, allow_unsafe=self.allow_unsafe, suppressions=suppressions, codes=self.rules,
            default_safety=self.fix_safety,
        )

    def __reduce__(self):  # transforms travel to worker processes as (class, options) and the run's switches
        return (type(self), (self.options,), {"allow_unsafe": self.allow_unsafe})
