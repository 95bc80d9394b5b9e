"""Audit rules: one module each, a stable id, documented like the transforms.

A rule is a function over one file's :class:`FileContext` (the ``SourceInfo``, the CPython ``ast`` tree
and its shared :class:`~codemods.transforms._shared.ast_index.AstIndex`), registered with :func:`rule`.
Its docstring is its documentation, in the shape of ruff's rule docs (*What it does*, *Why is this
bad?*, *Example*, *Fix*): ``codemod audit --explain CM101`` prints it, the SARIF output carries it.

    @rule("CM201", "blocking-call", HIGH, summary=..., impact=..., fixed_by="blocking-offload")
    def check(ctx: FileContext) -> None:
        for call in ...:
            ctx.report(call, "`time.sleep()` blocks the event loop")

Rules find; they never rewrite. A rule that is not sure does not report: precision over recall.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
import inspect
import pkgutil
from dataclasses import dataclass, field, replace
from typing import Callable, Iterable, Optional

from ...model import SEVERITIES, Finding, Fix
from ...transforms._shared.ast_index import AstIndex
from ...transforms.base import SourceInfo

Check = Callable[["FileContext"], None]


@dataclass(frozen=True)
class Rule:
    id: str  # stable: "CM101"
    name: str  # kebab-case: "await-under-lock"
    severity: str
    summary: str  # one line
    impact: str  # what happens at run time, for the report's "Impact" line
    check: Check = field(repr=False, compare=False)
    fixed_by: str = ""  # the transform that fixes this kind of finding
    fix_safety: str = ""  # its safety for this kind of finding ("safe" / "unsafe")

    @property
    def doc(self) -> str:
        return inspect.cleandoc(self.check.__doc__ or self.summary)

    def fix(self, available: Optional[bool] = None, note: str = "") -> Optional[Fix]:
        if not self.fixed_by:
            return None
        return Fix(self.fixed_by, self.fix_safety, available, note)

    def __call__(self, src: SourceInfo, tree: ast.Module) -> list[Finding]:
        """This rule's findings in one file (a convenience for tests: :func:`check_file` runs many)."""
        return check_file(src, tree, [self])


REGISTRY: dict[str, Rule] = {}
_loaded = False


def rule(
    id: str, name: str, severity: str, *, summary: str, impact: str, fixed_by: str = "", fix_safety: str = ""
) -> Callable[[Check], Check]:
    if severity not in SEVERITIES:
        raise ValueError(f"{id}: severity must be one of {SEVERITIES}")

    def decorate(check: Check) -> Check:
        if id in REGISTRY and REGISTRY[id].check is not check:
            raise ValueError(f"rule {id} registered twice")
        REGISTRY[id] = Rule(id, name, severity, summary, impact, check, fixed_by, fix_safety)
        return check

    return decorate


def registry() -> dict[str, Rule]:
    """Every rule, by id, in id order."""
    global _loaded
    if not _loaded:
        _loaded = True
        for info in pkgutil.iter_modules(__path__):
            if not info.name.startswith("_"):
                importlib.import_module(f"{__name__}.{info.name}")
    return dict(sorted(REGISTRY.items()))


def by_name(key: str) -> Optional[Rule]:
    """A rule by id (``cm101``) or name (``await-under-lock``)."""
    reg = registry()
    key_u = key.upper()
    if key_u in reg:
        return reg[key_u]
    return next((r for r in reg.values() if r.name == key.lower()), None)


# --------------------------------------------------------------------------------------------------


class FileContext:
    """What a rule reads (one file: its source, tree and shared index) and reports into."""

    def __init__(self, src: SourceInfo, tree: ast.Module, index: Optional[AstIndex] = None) -> None:
        self.src = src
        self.tree = tree
        self.index = index or AstIndex.of(tree, src.module, src.is_package, src.text)
        self.rule: Optional[Rule] = None
        self.findings: list[tuple[Finding, ast.AST]] = []
        self._lines: Optional[list[str]] = None

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = self.src.text.split("\n")
        return self._lines

    def column(self, line: int, offset: int) -> int:
        """The 1-based character column of ``ast``'s UTF-8 byte ``offset`` on ``line``."""
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        if text.isascii():
            return offset + 1
        return len(text.encode("utf-8")[:offset].decode("utf-8", "replace")) + 1

    def segment(self, node: ast.AST, limit: int = 60) -> str:
        """The source text of ``node``, on one line, shortened to ``limit`` characters."""
        text = ast.get_source_segment(self.src.text, node) or ast.unparse(node)
        text = " ".join(text.split())
        return text if len(text) <= limit else text[: limit - 1] + "…"

    def report(
        self, node: ast.AST, message: str, *, impact: str = "", fix: "Fix | None | bool" = None,
        fixable: Optional[tuple[bool, str]] = None, end: "ast.AST | tuple[int, int] | None" = None,
    ) -> None:
        """Report a finding of the current rule at ``node`` (its span, or to the end of ``end``)."""
        assert self.rule is not None
        if fix is False:  # this finding has no automatic fix, whatever the rule's usual one
            fix = None
        elif fix is None and fixable is not None:
            fix = self.rule.fix(*fixable)
        elif fix is None:
            fix = self.rule.fix()
        if isinstance(end, tuple):
            end_line, end_col = end
        else:
            last = end or node
            end_line = getattr(last, "end_lineno", None) or node.lineno
            end_col = self.column(end_line, getattr(last, "end_col_offset", None) or node.col_offset)
        fn = self.index.enclosing_function(node) if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else self.index.functions.get(node)
        finding = Finding(
            path=self.src.path, line=node.lineno, col=self.column(node.lineno, node.col_offset), rule=self.rule.id,
            severity=self.rule.severity, message=message,
            end_line=end_line, end_col=end_col,
            impact=impact or self.rule.impact, fix=fix, function=fn.qualname if fn else "",
        )
        self.findings.append((finding, node))


def _normalised(stmt: ast.AST) -> str:
    """A statement's shape without positions, comments or formatting; a compound statement by its header
    (an edit inside a loop's body does not change the loop's identity)."""
    fields = {}
    for name, value in ast.iter_fields(stmt):
        if name in ("body", "orelse", "finalbody", "handlers", "cases"):
            continue
        fields[name] = value
    if fields != dict(ast.iter_fields(stmt)):
        clone = type(stmt)(**fields)  # type: ignore[call-arg]
        return ast.dump(clone, include_attributes=False)
    return ast.dump(stmt, include_attributes=False)


def fingerprint_all(ctx: FileContext) -> list[Finding]:
    """Each finding with its fingerprint: rule, path, enclosing function, the normalised statement (and
    the node within it), and its rank among findings that share all of these."""
    seen: dict[str, int] = {}
    out = []
    for finding, node in ctx.findings:
        stmt = node if isinstance(node, ast.stmt) else ctx.index.statement_of(node)
        own = "" if node is stmt else ast.dump(node, include_attributes=False)
        key = "\0".join((finding.rule, finding.path, finding.function, _normalised(stmt), own))
        digest = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:20]
        seen[digest] = rank = seen.get(digest, 0) + 1
        out.append(replace(finding, fingerprint=f"{digest}:{rank}"))
    return out


def check_file(src: SourceInfo, tree: ast.Module, rules: Iterable[Rule] | None = None) -> list[Finding]:
    """Every finding of ``rules`` (default: all) in one file, in source order, fingerprinted."""
    ctx = FileContext(src, tree)
    for r in rules if rules is not None else registry().values():
        ctx.rule = r
        r.check(ctx)
    ctx.findings.sort(key=lambda fn: (fn[0].line, fn[0].col, fn[0].rule))
    return fingerprint_all(ctx)


__all__ = ["FileContext", "REGISTRY", "Rule", "by_name", "check_file", "registry", "rule"]
