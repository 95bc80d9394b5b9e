"""The typed work items that flow between the phases.

Everything here is plain, picklable data: a :class:`SourceFile` goes to a worker process (or a
dask.distributed worker) with the consumers or transforms that need it, and an :class:`IndexResult`
or :class:`RewriteResult` comes back. No phase passes positional tuples or closures across a process
boundary.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ..model import Change, Skip
from ..transforms.base import RewriteContext, SourceInfo, Transform


@dataclass(frozen=True)
class SourceFile:
    """One file as the run read it: the exact bytes that are indexed, rewritten and diffed."""

    path: str  # repository-relative, POSIX separators
    module: str  # dotted module name
    is_package: bool  # a package's __init__.py
    data: bytes

    @cached_property
    def digest(self) -> str:
        """The content hash every cache key starts from (computed once per file and run)."""
        return hashlib.sha1(self.data).hexdigest()

    def info(self, text: str) -> SourceInfo:
        return SourceInfo(self.path, self.module, self.is_package, text)


@dataclass(frozen=True)
class IndexJob:
    """Parse ``file`` once with CPython's ``ast`` and give the tree to every consumer in turn."""

    file: SourceFile
    consumers: tuple[Any, ...]  # Transforms, or any other Indexer (audit rules)


@dataclass
class IndexResult:
    path: str
    facts: dict[str, Any] = field(default_factory=dict)  # consumer name -> facts (only non-empty)
    error: str | None = None


@dataclass(frozen=True)
class Step:
    """One transform's part in rewriting a file: the transform and its plan for that file."""

    transform: Transform
    plan: Any


@dataclass(frozen=True)
class RewriteJob:
    """Rewrite ``file`` with each step in turn (one LibCST parse feeds them all), verify, settle."""

    file: SourceFile
    steps: tuple[Step, ...]
    selected: tuple[Transform, ...]  # every transform of the run (settling re-runs the single-file ones)


@dataclass
class RewriteResult:
    path: str
    new_text: str | None = None  # None: unchanged
    changes: list[Change] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (kind, message)
    held: list[Change] = field(default_factory=list)  # unsafe fixes not applied in this run
    suppressed: list[Change] = field(default_factory=list)  # fixes declined by `# codemod: ignore`
    libcst_parses: int = 0  # LibCST parses this file cost (rewrite, verification, settling)
    hunks: list[Any] | None = None  # the diff's hunks (3 lines of context) of new_text, computed with it
    reused: bool = False  # this outcome came from the results cache


@dataclass
class Reports:
    """What rewriting a file reported besides its changes: skips, held-back and suppressed fixes."""

    skips: list[Skip] = field(default_factory=list)
    held: list[Change] = field(default_factory=list)
    suppressed: list[Change] = field(default_factory=list)

    def add(self, ctx: RewriteContext) -> None:
        self.skips.extend(ctx.skips)
        self.held.extend(ctx.held)
        self.suppressed.extend(ctx.suppressed)

    def replacing(self, names: set[str], final: "Reports") -> "Reports":
        """These reports with the transforms in ``names`` reporting ``final``'s instead."""

        def keep(items):
            return [x for x in items if x.transform not in names]

        return Reports(keep(self.skips) + final.skips, keep(self.held) + final.held, keep(self.suppressed) + final.suppressed)


@dataclass(frozen=True)
class CachedError:
    """A file that could not be indexed, as the facts store remembers it."""

    message: str
