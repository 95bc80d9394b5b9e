"""rewrite: remove ``async`` and ``await`` at the positions the plan chose (LibCST, changed files only).

Each removal is offered to ``ctx.fix`` first, with the unit it belongs to: a converted definition, every
call site of it in every file, and the definitions whose bodies await it, are one unit (accepting part
of it would leave an ``await`` in a plain function, or a coroutine never awaited).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import libcst as cst

from .._shared.positions import async_starts
from ..base import SAFE, UNSAFE, RewriteContext
from .reasons import PUBLIC_WHY, SAFE_WHY

_EMPTY = cst.Module([])


@dataclass
class FilePlan:
    # (line, col of ``async``, 0-based characters) -> (message, unit)
    defs: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    # (line, col of ``await``) -> (message, unit)
    awaits: dict[tuple[int, int], tuple[str, str]] = field(default_factory=dict)
    # defs a ``# codemod: ignore`` keeps: offered to ctx.fix (which records them as suppressed), not made
    suppressed: dict[tuple[int, int], str] = field(default_factory=dict)
    # units whose conversion is an unsafe fix: a public name, which code outside the repository may await
    unsafe: frozenset[str] = frozenset()


def rewrite(module: cst.Module, file_plan: FilePlan, ctx: RewriteContext) -> cst.Module:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 12000))  # as in index(): deep expressions that Python parses
    try:
        rewriter = _Rewriter(file_plan, async_starts(module), ctx)
        new = module.visit(rewriter)
    finally:
        sys.setrecursionlimit(limit)
    missing = (set(file_plan.defs) - rewriter.done_defs) | (set(file_plan.awaits) - rewriter.done_awaits)
    if missing:
        line, col = sorted(missing)[0]
        raise RuntimeError(f"planned position {line}:{col + 1} not found in the tree")
    return new


def _has_comment(ws: cst.BaseParenthesizableWhitespace) -> bool:
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return ws.first_line.comment is not None or any(el.comment is not None for el in ws.empty_lines)
    return False


def _is_empty(ws: cst.BaseParenthesizableWhitespace) -> bool:
    return isinstance(ws, cst.SimpleWhitespace) and ws.value == ""


class _Rewriter(cst.CSTTransformer):
    def __init__(self, file_plan: FilePlan, starts: dict[cst.CSTNode, tuple[int, int]], ctx: RewriteContext) -> None:
        super().__init__()
        self.plan = file_plan
        self.starts = starts
        self.ctx = ctx
        self.done_defs: set[tuple[int, int]] = set()
        self.done_awaits: set[tuple[int, int]] = set()

    def _key(self, node: cst.CSTNode) -> tuple[int, int]:
        return self.starts[node]

    def _fix(self, key: tuple[int, int], entry: tuple[str, str]) -> bool:
        message, unit = entry
        line, col = key
        if unit in self.plan.unsafe:
            return self.ctx.fix(line, col + 1, message, safety=UNSAFE, why=PUBLIC_WHY, unit=unit, end=(line, col + 6))
        return self.ctx.fix(line, col + 1, message, safety=SAFE, why=SAFE_WHY, unit=unit, end=(line, col + 6))

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        if original.asynchronous is None:
            return updated
        key = self._key(original)
        if key in self.plan.suppressed:
            self.ctx.fix(key[0], key[1] + 1, self.plan.suppressed[key], safety=SAFE, why=SAFE_WHY)
            return updated
        entry = self.plan.defs.get(key)
        if entry is None:
            return updated
        self.done_defs.add(key)
        if not self._fix(key, entry):
            return updated
        return updated.with_changes(asynchronous=None)

    def leave_Await(self, original: cst.Await, updated: cst.Await) -> cst.BaseExpression:
        key = self._key(original)
        entry = self.plan.awaits.get(key)
        if entry is None:
            return updated
        self.done_awaits.add(key)
        if not self._fix(key, entry):
            return updated
        expr = updated.expression
        ws = updated.whitespace_after_await
        lpar, rpar = list(updated.lpar), list(updated.rpar)
        if lpar and not expr.lpar:
            # ``(await f()).x`` -> ``f().x``; keep the parentheses when they hold a line break or comment
            inner = _EMPTY.code_for_node(updated)
            if "\n" not in inner and "\r" not in inner and "#" not in inner.replace(_EMPTY.code_for_node(expr), ""):
                lpar, rpar = [], []
        if _has_comment(ws) or (isinstance(ws, cst.ParenthesizedWhitespace) and lpar):
            # a comment (or line break) after ``await``: keep it, after an opening parenthesis
            if lpar:
                first = lpar[0]
                lpar[0] = first.with_changes(whitespace_after=ws) if _is_empty(first.whitespace_after) else first
            else:
                lpar, rpar = [cst.LeftParen(whitespace_after=ws)], [cst.RightParen()]
        return expr.with_changes(lpar=[*lpar, *expr.lpar], rpar=[*expr.rpar, *rpar])
