"""CM204 cancellation-swallowed."""

from __future__ import annotations

import ast
from typing import Optional

from ...model import HIGH
from ...transforms._shared.ast_index import AstIndex, dotted, own_body
from . import FileContext, rule
from ._common import raises_in, suspension_points

CANCELLED = frozenset({
    "asyncio.CancelledError", "asyncio.exceptions.CancelledError", "trio.Cancelled", "concurrent.futures.CancelledError",
})
SUPPRESS = frozenset({"contextlib.suppress"})


def _catches(index: AstIndex, exc: Optional[ast.AST]) -> Optional[str]:
    """What of cancellation an except clause catches: "CancelledError", "BaseException", "everything", None."""
    if exc is None:
        return "everything"
    items = exc.elts if isinstance(exc, ast.Tuple) else [exc]
    for item in items:
        name = index.qualname(item)
        if name in CANCELLED:
            return name.rsplit(".", 1)[-1]
        if name == "builtins.BaseException":
            return "BaseException"
        if isinstance(item, ast.Call) and (index.call_name(item) or "").endswith("get_cancelled_exc_class"):
            return "the cancellation exception"
    return None


def _cancelled_targets(fn: ast.AST) -> set[str]:
    """Expressions the function cancels or completes itself (``task.cancel()``, ``future.set_exception()``):
    awaiting them afterwards waits for an outcome the function chose, not for its own cancellation."""
    out = set()
    for node in ast.walk(fn):
        if (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("cancel", "set_exception", "set_result")
        ):
            text = dotted(node.func.value)
            if text:
                out.add(text)
    return out


def _awaits_cancelled(body: list[ast.stmt], cancelled: set[str]) -> bool:
    """The body awaits a task the function itself cancelled (the standard way to wait for it to finish),
    or awaits a task/future (a name, not a call) in a function that cancels one."""
    for point in suspension_points(body):
        if isinstance(point, ast.Await):
            value = point.value
            if isinstance(value, ast.Call) and value.args:  # asyncio.wait_for(task, ...), gather(task)
                value = value.args[0]
            if isinstance(value, ast.Starred):
                value = value.value
            text = dotted(value)
            if text and (text in cancelled or (cancelled and not isinstance(point.value, ast.Call))):
                return True
    return False


@rule(
    "CM204", "cancellation-swallowed", HIGH,
    summary="Cancellation caught and not re-raised (`except CancelledError`, bare `except:`, `except BaseException`).",
    impact="the task cannot be cancelled: shutdown hangs, `asyncio.timeout()` and TaskGroup stop working, and the canceller believes the work ended",
)
def check(ctx: FileContext) -> None:
    """## What it does
    Finds, in an `async def`, a `try` whose body awaits and whose handler catches cancellation without
    re-raising: `except asyncio.CancelledError`, a bare `except:` or `except BaseException:` (and trio's
    `Cancelled`), or `contextlib.suppress(asyncio.CancelledError)` around an await. A handler that
    raises (the same or another exception) is fine, and so is waiting for a task the function itself
    cancelled (`task.cancel()` then `try: await task except CancelledError: pass`).

    ## Why is this bad?
    `task.cancel()` works by raising `CancelledError` at the task's current await. A task that swallows
    it keeps running: shutdown waits forever, `asyncio.timeout()` and `TaskGroup` cannot stop it (they
    count on the error reaching them), and whoever cancelled it sees it end normally.

    ## Example
    ```python
    async def run(self):
        while True:
            try:
                await self.tick()
            except BaseException:
                log.exception("tick failed")
    ```

    Use instead:
    ```python
    async def run(self):
        while True:
            try:
                await self.tick()
            except Exception:
                log.exception("tick failed")
    ```

    ## Fix
    No automatic fix: catch `Exception` instead, or re-raise after cleaning up.
    """
    index = ctx.index
    for node in ast.walk(ctx.tree):
        if isinstance(node, (ast.Try, getattr(ast, "TryStar", ast.Try))):
            fn = index.in_async_body(node)
            if fn is None or not any(True for _ in suspension_points(node.body)):
                continue
            cancelled: Optional[set[str]] = None
            for handler in node.handlers:
                what = _catches(index, handler.type)
                if what is None or raises_in(handler.body):
                    continue
                if cancelled is None:
                    cancelled = _cancelled_targets(fn.node)
                if _awaits_cancelled(node.body, cancelled):
                    continue
                clause = "bare `except:`" if handler.type is None else f"`except {ctx.segment(handler.type, 50)}`"
                ctx.report(handler, f"{clause} around an await swallows cancellation ({what} is caught and not re-raised)",
                           end=handler.type or handler)
        elif isinstance(node, ast.AsyncWith) or isinstance(node, ast.With):
            fn = index.in_async_body(node)
            if fn is None:
                continue
            for item in node.items:
                expr = item.context_expr
                if isinstance(expr, ast.Call) and index.call_name(expr) in SUPPRESS:
                    names = [index.qualname(a) for a in expr.args]
                    caught = [n for n in names if n in CANCELLED or n == "builtins.BaseException"]
                    if caught and any(True for _ in suspension_points(node.body)):
                        if _awaits_cancelled(node.body, _cancelled_targets(fn.node)):
                            continue
                        ctx.report(expr, f"`{ctx.segment(expr, 60)}` around an await swallows cancellation")


__all__ = ["CANCELLED", "own_body"]
