"""CM302 same-callee-arms."""

from __future__ import annotations

import ast
from typing import Optional

from ...model import MEDIUM
from . import FileContext, rule


def _arms(node: ast.AST) -> Optional[list[list[ast.stmt]]]:
    """The bodies of an exhaustive if/elif/else chain or match (with ``case _:``), else None."""
    if isinstance(node, ast.If):
        arms = []
        cur: ast.AST = node
        while isinstance(cur, ast.If):
            arms.append(cur.body)
            if len(cur.orelse) == 1 and isinstance(cur.orelse[0], ast.If):
                cur = cur.orelse[0]
            elif cur.orelse:
                arms.append(cur.orelse)
                return arms
            else:
                return None
        return None
    if isinstance(node, ast.Match):
        last = node.cases[-1] if node.cases else None
        if last is None or last.guard is not None or not (isinstance(last.pattern, ast.MatchAs) and last.pattern.pattern is None):
            return None
        return [c.body for c in node.cases]
    return None


def _tail(stmt: ast.stmt) -> Optional[tuple[str, ast.Call]]:
    """(shape, call) for an arm's last statement `await f(...)`, `x = await f(...)`, `return await f(...)`."""
    value = None
    shape = ""
    if isinstance(stmt, ast.Expr):
        value, shape = stmt.value, "expr"
    elif isinstance(stmt, ast.Return) and stmt.value is not None:
        value, shape = stmt.value, "return"
    elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        value, shape = stmt.value, "assign " + ast.dump(stmt.targets[0], include_attributes=False)
    if isinstance(value, ast.Await) and isinstance(value.value, ast.Call):
        return shape, value.value
    return None


@rule(
    "CM302", "same-callee-arms", MEDIUM,
    summary="Every arm of an if/elif/else or match ends by awaiting the same callable.",
    impact="one suspension point per arm where one after the statement would do; the arms repeat the call",
    fixed_by="match-hoist", fix_safety="safe",
)
def check(ctx: FileContext) -> None:
    """## What it does
    Finds an exhaustive `if`/`elif`/`else` chain or `match` (with `case _:`) in an `async def` whose
    every arm ends with the same kind of statement awaiting the same callable (`await f(...)`,
    `x = await f(...)`, `return await f(...)`) with arguments that differ.

    ## Why is this bad?
    The seed audit's "collapsing states": each arm carries its own suspension point. In Python the run
    time cost is nil; what remains is duplication a reader must compare arm by arm. Medium, and only
    worth a change where the result reads better.

    ## Example
    ```python
    if urgent:
        await self.bus.post("ops/pager", text, urgent=True)
    else:
        await self.bus.post("ops/log", text, urgent=False)
    ```

    Use instead:
    ```python
    channel = "ops/pager" if urgent else "ops/log"
    await self.bus.post(channel, text, urgent=urgent)
    ```

    ## Fix
    `codemod apply --transform match-hoist` binds the differing arguments in each arm and awaits once
    after the statement (safe: it keeps the order of evaluation, and leaves alone what it cannot keep).
    """
    index = ctx.index
    chained: set[ast.AST] = set()
    for node in ast.walk(ctx.tree):
        if not isinstance(node, (ast.If, ast.Match)) or node in chained:
            continue
        if isinstance(node, ast.If):
            cur = node
            while len(cur.orelse) == 1 and isinstance(cur.orelse[0], ast.If):
                cur = cur.orelse[0]
                chained.add(cur)
        if index.in_async_body(node) is None:
            continue
        arms = _arms(node)
        if not arms or len(arms) < 2 or any(not arm for arm in arms):
            continue
        tails = [_tail(arm[-1]) for arm in arms]
        if any(t is None for t in tails):
            continue
        shapes = {t[0] for t in tails}  # type: ignore[index]
        funcs = {ast.dump(t[1].func, include_attributes=False) for t in tails}  # type: ignore[index]
        calls = {ast.dump(t[1], include_attributes=False) for t in tails}  # type: ignore[index]
        if len(shapes) != 1 or len(funcs) != 1 or len(calls) == 1:
            continue
        callee = ctx.segment(tails[0][1].func, 40)  # type: ignore[index]
        kind = "match" if isinstance(node, ast.Match) else "if/else"
        ctx.report(node, f"every arm of this {kind} ends by awaiting `{callee}(...)`", end=(node.lineno, _line_end(ctx, node.lineno)))


def _line_end(ctx: FileContext, line: int) -> int:
    return len(ctx.lines[line - 1].rstrip()) + 1 if line - 1 < len(ctx.lines) else 1
