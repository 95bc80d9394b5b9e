"""CM301 await-free-async."""

from __future__ import annotations


from ...model import MEDIUM
from . import FileContext, rule
from ._common import header_end, may_be_interface, uncalled, suspension_points, yields


@rule(
    "CM301", "await-free-async", MEDIUM,
    summary="An `async def` that never awaits.",
    impact="every call pays for a coroutine object and an event-loop round trip, and callers must `await` a function that never suspends",
    fixed_by="await-free", fix_safety="safe",
)
def check(ctx: FileContext) -> None:
    """## What it does
    Finds `async def` functions whose own body never suspends: no `await`, `async for`, `async with`,
    async comprehension or `yield`. Functions that may have to stay coroutine functions whatever their
    body are not reported: decorated functions, dunders (`__aenter__`), methods of classes with a base
    class (they may implement an interface that requires `async`), and stubs (`...`, `pass`, `raise
    NotImplementedError`).

    ## Why is this bad?
    Calling it creates a coroutine that runs to completion at its first `send`: the `async` buys
    nothing, costs a coroutine object per call, and forces every caller to be async. (The seed audit's
    policy: do not write `async` for a body that contains no await unless a signature requires it.)

    ## Example
    ```python
    async def encode(message):
        return json.dumps(message)
    ```

    Use instead:
    ```python
    def encode(message):
        return json.dumps(message)
    ```

    ## Fix
    `codemod apply --transform await-free` converts it and drops the `await` at every call site in the
    repository (safe: it only converts what it can fully see, and says why it leaves the others).
    """
    index = ctx.index
    for fn_node, fn in index.functions.items():
        if not fn.is_async:
            continue
        if any(True for _ in suspension_points(fn_node.body)) or yields(fn_node):
            continue
        if may_be_interface(index, fn_node):
            continue
        if uncalled(index, fn_node):
            continue
        ctx.report(fn_node, f"`async def {fn_node.name}` never awaits", end=header_end(ctx, fn_node))

