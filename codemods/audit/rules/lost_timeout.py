"""CM205 lost-timeout."""

from __future__ import annotations

import ast

from ...model import HIGH
from . import FileContext, rule
from ._common import suspension_points

TIMEOUT_SCOPES = frozenset({
    "asyncio.timeout", "asyncio.timeout_at", "asyncio.timeouts.timeout", "async_timeout.timeout",
    "async_timeout.timeout_at", "anyio.fail_after", "anyio.move_on_after", "trio.fail_after",
    "trio.move_on_after", "trio.fail_at", "trio.move_on_at",
})
WAIT_FOR = frozenset({"asyncio.wait_for", "asyncio.tasks.wait_for"})
WAIT = frozenset({"asyncio.wait", "asyncio.tasks.wait"})


@rule(
    "CM205", "lost-timeout", HIGH,
    summary="A timeout that cannot take effect: `wait_for` never awaited, `wait(timeout=)` ignored, a timeout scope around nothing awaited.",
    impact="the operation the timeout was meant to bound runs unbounded (or not at all), and nothing reports it",
)
def check(ctx: FileContext) -> None:
    """## What it does
    Finds timeouts that are lost:
    - `asyncio.wait_for(...)` as a statement, never awaited: the coroutine it wraps never runs;
    - `await asyncio.wait(tasks, timeout=...)` whose `(done, pending)` result is dropped: when the
      timeout expires nothing is cancelled and nobody looks at what is still pending;
    - `async with asyncio.timeout(...)` (and `async_timeout.timeout`, anyio's and trio's
      `fail_after`/`move_on_after`) whose body awaits nothing: a timeout can only interrupt an await,
      so the work inside runs past it.

    ## Why is this bad?
    A timeout is what keeps a stuck peer from stalling the service. These look bounded in review and
    are not; the seed audit's "cancellation and timeout propagation" rubric.

    ## Example
    ```python
    async def refresh(self):
        done, _ = None, None
        await asyncio.wait(self._pending, timeout=5)   # the pending tasks keep running
    ```

    Use instead:
    ```python
    async def refresh(self):
        done, pending = await asyncio.wait(self._pending, timeout=5)
        for task in pending:
            task.cancel()
    ```

    ## Fix
    No automatic fix: what should happen on expiry is the author's decision.
    """
    index = ctx.index
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.Expr):
            value = node.value
            if isinstance(value, ast.Call) and index.call_name(value) in WAIT_FOR:
                ctx.report(value, f"`{ctx.segment(value.func)}(...)` is never awaited: the wrapped call does not run, and no timeout applies")
            elif (
                isinstance(value, ast.Await) and isinstance(value.value, ast.Call)
                and index.call_name(value.value) in WAIT
                and any(kw.arg == "timeout" for kw in value.value.keywords)
                and not _return_when_first(value.value)
            ):
                ctx.report(value, "the result of `asyncio.wait(..., timeout=...)` is dropped: on timeout the pending tasks keep running and nobody sees them")
        elif isinstance(node, (ast.AsyncWith, ast.With)):
            if index.function_of(node) is None:
                continue
            for item in node.items:
                expr = item.context_expr
                if isinstance(expr, ast.Call) and index.call_name(expr) in TIMEOUT_SCOPES:
                    if not any(True for _ in suspension_points(node.body)):
                        ctx.report(expr, f"`{ctx.segment(expr)}` holds nothing awaited: the timeout can never interrupt the work inside", end=expr)


def _return_when_first(call: ast.Call) -> bool:
    return False
