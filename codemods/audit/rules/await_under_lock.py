"""CM101 await-under-lock."""

from __future__ import annotations

import ast
from typing import Optional

from ...model import CRITICAL
from ...transforms._shared.ast_index import FunctionNode, dotted
from . import FileContext, rule
from ._common import lock_kind, suspension_points

_IMPACT = (
    "every other task that needs the lock waits for the awaited call too: lock contention amplification, "
    "stall chains under load, and a deadlock if the callee needs the same lock"
)
_THREAD_IMPACT = (
    "a threading lock held across a suspension: when another task on the loop tries to take it, the event "
    "loop thread blocks and the holder can never resume (a deadlock)"
)


@rule(
    "CM101", "await-under-lock", CRITICAL,
    summary="An `await` while an asyncio/anyio/trio or threading lock is held.",
    impact=_IMPACT, fixed_by="lock-await", fix_safety="unsafe",
)
def check(ctx: FileContext) -> None:
    """## What it does
    Finds suspension points (`await`, `async for`, `async with`) inside `async with lock:` on an
    asyncio, anyio or trio `Lock` or `Condition`, inside `with lock:` on a `threading` or
    `multiprocessing` lock in an `async def`, and between `lock.acquire()` and `lock.release()`. A lock
    is known from its construction (`self._lock = asyncio.Lock()` in any method of the class,
    through import aliases), its annotation, or its name (`self._send_lock`, `locks[key]`).
    `await cond.wait()` on the condition being held is not reported (it releases the lock while it
    waits), nor are semaphores (they exist to bound the awaits they guard).

    ## Why is this bad?
    While a task awaits with a lock held, every other task that needs the lock waits too, however long
    the awaited call takes: a slow observer or network call becomes a stall for all of them, and a
    callee that needs the same lock deadlocks. A `threading.Lock` held across an await blocks the whole
    event loop thread as soon as another task tries to take it. (The seed audit's one Critical finding:
    observer hooks awaited while cache write locks were held.)

    ## Example
    ```python
    async def remove(self, key):
        async with self._lock:
            entry = self._entries.pop(key)
            await self._observer.on_evict(key, entry.value)
    ```

    Use instead:
    ```python
    async def remove(self, key):
        async with self._lock:
            entry = self._entries.pop(key)
        await self._observer.on_evict(key, entry.value)
    ```

    ## Fix
    `codemod apply --transform lock-await` moves the awaits it can prove movable (an external
    notification whose result the critical section does not need) and reports each other one with the
    reason it stays (read-modify-write, check-then-act, init-once, a lock that serializes the awaited
    operation itself...): the audit shows that reason on the finding. The fix is unsafe: the awaited
    call now runs after the lock is released.
    """
    index = ctx.index
    reported: set[ast.AST] = set()
    for node in ast.walk(ctx.tree):
        if isinstance(node, (ast.With, ast.AsyncWith)):
            fn = index.in_async_body(node)
            if fn is None:
                continue
            for item in node.items:
                kind = lock_kind(index, item.context_expr)
                if kind is None or (kind == "thread" and isinstance(node, ast.AsyncWith)):
                    continue
                if kind == "async" and isinstance(node, ast.With):
                    continue  # `with asyncio.Lock()` does not run at all
                lock_text = ctx.segment(item.context_expr)
                for point in suspension_points(node.body):
                    if point in reported:
                        continue
                    if _waits_on(point, item.context_expr):
                        continue
                    reported.add(point)
                    _report(ctx, point, lock_text, kind, "with")
                break
        elif isinstance(node, (*FunctionNode,)) and isinstance(node, ast.AsyncFunctionDef):
            _acquire_release(ctx, node.body, reported)


def _waits_on(point: ast.AST, lock: ast.AST) -> bool:
    """``await cond.wait()`` / ``wait_for()`` on the held condition (it releases the lock), or an await
    on the lock itself."""
    if not isinstance(point, ast.Await) or not isinstance(point.value, ast.Call):
        return False
    func = point.value.func
    if not isinstance(func, ast.Attribute):
        return False
    same = ast.dump(func.value, include_attributes=False) == ast.dump(lock, include_attributes=False)
    return same and func.attr in ("wait", "wait_for", "acquire")


def _what(ctx: FileContext, point: ast.AST) -> str:
    if isinstance(point, ast.Await):
        return f"`{ctx.segment(point)}`"
    if isinstance(point, ast.AsyncFor):
        return f"`async for ... in {ctx.segment(point.iter, 40)}`"
    if isinstance(point, ast.AsyncWith):
        return f"`async with {ctx.segment(point.items[0].context_expr, 40)}`"
    return "an async comprehension"


def _report(ctx: FileContext, point: ast.AST, lock_text: str, kind: str, how: str, note: Optional[str] = None) -> None:
    held = "threading lock" if kind == "thread" else "lock"
    message = f"{_what(ctx, point)} while the {held} `{lock_text}` is held"
    end = point.value if isinstance(point, ast.Await) else None
    fixable = (False, note) if note else None
    ctx.report(point, message, impact=_THREAD_IMPACT if kind == "thread" else _IMPACT, fixable=fixable, end=end)


def _acquire_release(ctx: FileContext, body: list[ast.stmt], reported: set[ast.AST]) -> None:
    """``await lock.acquire()`` (or ``lock.acquire()`` on a threading lock) ... ``lock.release()``."""
    index = ctx.index
    todo = [body]
    while todo:
        stmts = todo.pop()
        for i, stmt in enumerate(stmts):
            for field in ("body", "orelse", "finalbody"):
                sub = getattr(stmt, field, None)
                if sub and not isinstance(stmt, (*FunctionNode, ast.ClassDef)):
                    todo.append(sub)
            for handler in getattr(stmt, "handlers", []) or []:
                todo.append(handler.body)
            lock = _acquired(stmt)
            if lock is None:
                continue
            kind = lock_kind(index, lock)
            if kind is None:
                continue
            text = dotted(lock) or ctx.segment(lock)
            for later in stmts[i + 1 :]:
                if _releases(later, text):
                    break
                closes = isinstance(later, ast.Try) and _releases_in(later.finalbody, text)
                region = [*later.body, *later.orelse, *(s for h in later.handlers for s in h.body)] if closes else [later]
                for point in suspension_points(region):
                    if point not in reported:
                        reported.add(point)
                        _report(ctx, point, text, kind, "acquire", note=(
                            "between `acquire()` and `release()`: lock-await only moves awaits out of "
                            "`async with`/`with` blocks"
                        ))
                if closes:
                    break


def _acquired(stmt: ast.stmt) -> Optional[ast.AST]:
    if not isinstance(stmt, ast.Expr):
        return None
    value = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr == "acquire":
        if not value.args and not value.keywords:
            return value.func.value
    return None


def _releases(stmt: ast.stmt, text: str) -> bool:
    return isinstance(stmt, ast.Expr) and _is_release(stmt.value, text)


def _releases_in(body: list[ast.stmt], text: str) -> bool:
    return any(isinstance(n, ast.Call) and _is_release(n, text) for s in body for n in ast.walk(s))


def _is_release(node: ast.AST, text: str) -> bool:
    return (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "release"
        and (dotted(node.func.value) or ast.unparse(node.func.value)) == text
    )
