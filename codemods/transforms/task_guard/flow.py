"""Control flow after a spawn: does every way out of the function pass a suspension point?

If one does not, a cancel guard would cancel the task before it ever ran: such a task is meant to
outlive its function. Only `await`, `yield`, `async for` and `async with` suspend; exceptions raised by
other statements are not followed (the function fails anyway), and a loop whose body awaits is taken
to run at least once.
"""

from __future__ import annotations

from typing import Iterable, Sequence

import libcst as cst

from .ownership import Tree, walk

SUSPENDS = "suspends"  # every path through it awaits before leaving it
LEAVES = "leaves"  # some path returns or raises before any await
BREAKS = "breaks"  # some path breaks / continues the innermost loop before any await
FALLS = "falls through"  # some path reaches its end without an await (and none leaves early)


def awaits_after(tree: Tree, call: cst.Call, line: cst.CSTNode, func: cst.FunctionDef) -> bool:
    """Walks up from the spawn: what follows it on its line and in each enclosing block, the
    `else`/`finally` of an enclosing `try`, the next iteration of an enclosing loop. A `return` or
    `raise` met before an await is a way out without one; `break`/`continue` lead to what follows the
    loop / its next iteration."""
    small = tree.small_of(call)
    smalls = list(line.body)  # type: ignore[attr-defined]
    verdict = must_suspend(smalls[smalls.index(small) + 1 :])
    if verdict != FALLS:
        return verdict == SUSPENDS
    node: cst.CSTNode = line
    while True:
        parent = tree.parent(node)
        if parent is None or parent is func:
            return False  # fell off the end of the function
        after: Sequence[cst.CSTNode] = ()
        if isinstance(parent, cst.IndentedBlock):
            after = parent.body[parent.body.index(node) + 1 :]
        elif isinstance(parent, (cst.For, cst.With)) and parent.asynchronous is not None:
            return True  # the next `__anext__` / the `__aexit__` awaits
        elif isinstance(parent, (cst.For, cst.While)) and node is parent.body:
            again = must_suspend(parent.body.body)  # type: ignore[attr-defined]  # the next iteration
            if again == LEAVES:
                return False
            if again == SUSPENDS and isinstance(parent, cst.While) and is_true(parent.test):
                return True  # `while True:` only ends by break/return, after its body ran again
        elif isinstance(parent, (cst.Try, cst.TryStar)):
            if node is parent.body and parent.orelse is not None:
                after = [*parent.orelse.body.body]  # type: ignore[attr-defined]
            if node is not parent.finalbody and parent.finalbody is not None:
                after = [*after, *parent.finalbody.body.body]  # type: ignore[attr-defined]
        verdict = must_suspend(after)
        if verdict in (SUSPENDS, LEAVES):
            return verdict == SUSPENDS
        node = parent  # fell through, or broke out of / continued a loop: look further out


def combine(verdicts: Iterable[str]) -> str:
    verdicts = list(verdicts)
    for worst in (LEAVES, BREAKS):
        if worst in verdicts:
            return worst
    return SUSPENDS if verdicts and all(v == SUSPENDS for v in verdicts) else FALLS


def must_suspend(stmts: Sequence[cst.CSTNode]) -> str:
    for stmt in stmts:
        verdict = must_suspend_stmt(stmt)
        if verdict != FALLS:
            return verdict
    return FALLS


def block(node: cst.CSTNode | None) -> Sequence[cst.CSTNode]:
    if node is None:
        return ()
    body = getattr(node, "body", ())
    return getattr(body, "body", body) if not isinstance(body, (list, tuple)) else body


def must_suspend_stmt(stmt: cst.CSTNode) -> str:
    if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return must_suspend(stmt.body)
    if isinstance(stmt, (cst.Return, cst.Raise)):
        expr = stmt.value if isinstance(stmt, cst.Return) else stmt.exc
        return SUSPENDS if expr is not None and definitely_awaits(expr) else LEAVES
    if isinstance(stmt, (cst.Break, cst.Continue)):
        return BREAKS
    if isinstance(stmt, cst.BaseSmallStatement):
        return SUSPENDS if definitely_awaits(stmt) else FALLS
    if isinstance(stmt, cst.If):
        if definitely_awaits(stmt.test):
            return SUSPENDS
        orelse = stmt.orelse
        other = must_suspend_stmt(orelse) if isinstance(orelse, cst.If) else must_suspend(block(orelse))
        return combine([must_suspend(block(stmt)), other])
    if isinstance(stmt, (cst.For, cst.With)) and stmt.asynchronous is not None:
        return SUSPENDS
    if isinstance(stmt, (cst.For, cst.While)):
        if definitely_awaits(stmt.iter if isinstance(stmt, cst.For) else stmt.test):
            return SUSPENDS
        body = must_suspend(block(stmt))  # taken to run at least once; its break/continue stay inside
        if body in (SUSPENDS, LEAVES):
            return body
        return LEAVES if must_suspend(block(stmt.orelse)) == LEAVES else FALLS
    if isinstance(stmt, cst.With):
        if any(definitely_awaits(item.item) for item in stmt.items):
            return SUSPENDS
        return must_suspend(block(stmt))
    if isinstance(stmt, (cst.Try, cst.TryStar)):
        # handlers run only on exceptions, which are not followed
        if stmt.finalbody is not None and must_suspend(block(stmt.finalbody)) == SUSPENDS:
            return SUSPENDS
        return must_suspend([*block(stmt), *block(stmt.orelse)])
    if isinstance(stmt, cst.Match):
        if has_default(stmt):
            return combine(must_suspend(block(case)) for case in stmt.cases)
        return LEAVES if any(must_suspend(block(c)) == LEAVES for c in stmt.cases) else FALLS
    return FALLS  # def, class, anything else: runs no await of this function


def has_default(match: cst.Match) -> bool:
    return any(
        isinstance(case.pattern, cst.MatchAs) and case.pattern.pattern is None and case.guard is None
        for case in match.cases
    )


def is_true(test: cst.BaseExpression) -> bool:
    return (isinstance(test, cst.Name) and test.value == "True") or (
        isinstance(test, cst.Integer) and test.value not in ("0", "0x0", "0o0", "0b0")
    )


_CONDITIONAL = (
    cst.BooleanOperation, cst.IfExp, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.Lambda,
    cst.FunctionDef, cst.ClassDef,
)


def definitely_awaits(node: cst.CSTNode) -> bool:
    """An await that runs whenever `node` runs (not behind `and`/`or`, `x if c else y`, a comprehension)."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, (cst.Await, cst.Yield)):
            return True
        if cur is not node and isinstance(cur, _CONDITIONAL):
            if isinstance(cur, cst.BooleanOperation):
                stack.append(cur.left)  # the left operand always runs
            elif isinstance(cur, cst.IfExp):
                stack.append(cur.test)
            continue
        stack.extend(cur.children)
    return False


def may_await(node: cst.CSTNode) -> bool:
    """Some await, `async for` or `async with` of this scope is somewhere in `node`."""
    for cur in walk(node, into_scopes=False):
        if isinstance(cur, cst.Await) or (isinstance(cur, (cst.For, cst.With)) and cur.asynchronous is not None):
            return True
    return False


def in_loop(tree: Tree, node: cst.CSTNode, func: cst.FunctionDef) -> bool:
    cur = tree.parent(node)
    while cur is not None and cur is not func:
        if isinstance(cur, (cst.For, cst.While)):
            return True
        cur = tree.parent(cur)
    return False


def top_level_index(tree: Tree, node: cst.CSTNode, func: cst.FunctionDef) -> int:
    cur = node
    while True:
        parent = tree.parent(cur)
        if parent is func.body:
            return func.body.body.index(cur)  # type: ignore[arg-type]
        cur = parent  # type: ignore[assignment]
