"""CM304 unfair-loop."""

from __future__ import annotations

import ast

from ...model import MEDIUM
from ...transforms._shared.ast_index import dotted, own_body
from ...transforms.blocking_offload.catalogue import SLEEP
from ...transforms.blocking_offload.facts import iter_blocking_calls
from . import FileContext, rule
from ._common import exits_in, suspension_points


def _state(expr: ast.AST) -> set[str]:
    """Names and attribute chains a loop condition reads."""
    out = set()
    for node in ast.walk(expr):
        if isinstance(node, (ast.Name, ast.Attribute)):
            text = dotted(node)
            if text:
                out.add(text)
    return out


def _mentioned(body: list[ast.stmt]) -> set[str]:
    out = set()
    for stmt in body:
        for node in ast.walk(stmt):
            if isinstance(node, (ast.Name, ast.Attribute)):
                text = dotted(node)
                if text:
                    out.add(text)
                    parts = text.split(".")
                    out.update(".".join(parts[:i]) for i in range(1, len(parts)))
    return out


@rule(
    "CM304", "unfair-loop", MEDIUM,
    summary="A loop in an `async def` that can run many iterations without awaiting (polling, busy-waiting).",
    impact="the loop keeps the event loop to itself: other tasks, timers and I/O wait until it ends, which may be never",
    fixed_by="blocking-offload", fix_safety="safe",
)
def check(ctx: FileContext) -> None:
    """## What it does
    Finds loops in the body of an `async def` that never await and can go on for long:
    - a loop that polls with `time.sleep()` (each iteration blocks the thread, and nothing else runs in
      between);
    - a `while` loop that never awaits, and whose condition reads only state its body never touches
      and that it cannot leave by `break`/`return`/`raise`: only another thread could end it, while
      the event loop is stuck in it (`while not self._ready: pass`);
    - `while True:` that never awaits and has no `break`, `return` or `raise`.

    ## Why is this bad?
    asyncio is cooperative: a task gives the others a turn only at an await. A loop without one keeps
    the event loop until it ends (the seed audit's scheduling fairness rubric, and its polling-sleep
    Medium findings).

    ## Example
    ```python
    async def wait_ready(self):
        while not self.ready:
            time.sleep(0.1)
    ```

    Use instead:
    ```python
    async def wait_ready(self):
        while not self.ready:
            await asyncio.sleep(0.1)
    ```

    ## Fix
    `codemod apply --transform blocking-offload` turns a polling `time.sleep(x)` into
    `await asyncio.sleep(x)` (safe), which gives the loop its await. Busy-waits have no automatic fix:
    wait on an `asyncio.Event` instead.
    """
    index = ctx.index
    verdicts = {node: call.skip for node, call in iter_blocking_calls(index)}
    for node in ast.walk(ctx.tree):
        if not isinstance(node, (ast.While, ast.For)):
            continue
        if index.in_async_body(node) is None:
            continue
        if any(True for _ in suspension_points(node.body)) or any(True for _ in suspension_points(node.orelse)):
            continue
        header_end = (node.lineno, len(ctx.lines[node.lineno - 1].rstrip()) + 1)
        sleeps = [
            n for stmt in node.body for n in own_body(stmt)
            if isinstance(n, ast.Call) and index.call_name(n) == SLEEP
        ]
        if sleeps:
            skip = verdicts.get(sleeps[0], "")
            # the span runs from the loop's header to its sleep: the fix is at the sleep
            ctx.report(node, f"this loop polls with `{ctx.segment(sleeps[0])}` and never awaits", end=sleeps[0],
                       fixable=(not skip, skip))
            continue
        if not isinstance(node, ast.While):
            continue
        test = node.test
        if isinstance(test, ast.Constant) and test.value:
            if not exits_in(node.body):
                ctx.report(node, "`while True:` never awaits and never breaks: it keeps the event loop forever", end=header_end, fix=False)
            continue
        state = _state(test)
        if not state or exits_in(node.body):
            continue
        if any(isinstance(n, ast.Call) for n in ast.walk(test)):
            continue  # the condition calls something: it may change on its own
        if state & _mentioned(node.body):
            continue
        ctx.report(node, f"busy-wait: `while {ctx.segment(test, 40)}:` never awaits, and nothing in the loop changes its condition", end=header_end, fix=False)
