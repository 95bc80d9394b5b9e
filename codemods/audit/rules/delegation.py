"""CM303 pure-delegation."""

from __future__ import annotations

import ast

from ...model import MEDIUM
from . import FileContext, rule
from ._common import docstring_free, header_end, may_be_interface, uncalled


@rule(
    "CM303", "pure-delegation", MEDIUM,
    summary="An `async def` whose whole body is `return await other(...)`.",
    impact="a coroutine frame and a suspension level per call that only forward another coroutine",
    fixed_by="delegate-elide", fix_safety="unsafe",
)
def check(ctx: FileContext) -> None:
    """## What it does
    Finds `async def x(...): return await y(...)` (a docstring allowed), where nothing else happens and
    the arguments do not await. Decorated functions, dunders and methods of classes with a base class are
    not reported (their `async` may be required by an interface).

    ## Why is this bad?
    The wrapper adds a coroutine object and a frame to every call for no work; the seed audit's
    "pure-delegation futures". In Python the cost is small: Medium, and a change to make when the file
    is being edited anyway.

    ## Example
    ```python
    async def read_file(self, path):
        return await self.execute_tool("read_file", path)
    ```

    Use instead:
    ```python
    def read_file(self, path):
        return self.execute_tool("read_file", path)
    ```

    ## Fix
    `codemod apply --transform delegate-elide` (opt-in, unsafe: `inspect.iscoroutinefunction` turns
    false and argument errors surface at the call instead of at the await).
    """
    index = ctx.index
    for fn_node, fn in index.functions.items():
        if not fn.is_async:
            continue
        body = docstring_free(fn_node.body)
        if len(body) != 1 or not isinstance(body[0], ast.Return):
            continue
        value = body[0].value
        if not (isinstance(value, ast.Await) and isinstance(value.value, ast.Call)):
            continue
        call = value.value
        if any(isinstance(n, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)) for n in ast.walk(call)):
            continue
        if may_be_interface(index, fn_node):
            continue
        if uncalled(index, fn_node):
            continue
        ctx.report(fn_node, f"`async def {fn_node.name}` only returns `await {ctx.segment(call.func, 40)}(...)`", end=header_end(ctx, fn_node))
