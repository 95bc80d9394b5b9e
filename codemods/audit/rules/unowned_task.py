"""CM203 unowned-task."""

from __future__ import annotations

import ast
from typing import Optional

from ...model import HIGH
from ...transforms._shared.ast_index import AstIndex, FunctionNode, own_body
from . import FileContext, rule

SPAWNS = frozenset({"asyncio.create_task", "asyncio.ensure_future", "asyncio.tasks.create_task", "asyncio.tasks.ensure_future"})
LOOPS = frozenset({"asyncio.get_running_loop", "asyncio.get_event_loop", "asyncio.new_event_loop", "asyncio.events.get_running_loop"})
# a use of a task that does not own it
_NOT_OWNING = frozenset({"set_name", "get_name", "get_coro", "done", "cancelled"})


def spawn_of(index: AstIndex, call: ast.Call) -> Optional[str]:
    """How ``call`` spawns a task (``asyncio.create_task``, ``loop.create_task``), or None."""
    name = index.call_name(call)
    if name in SPAWNS:
        if name.endswith("ensure_future") and not (call.args and isinstance(call.args[0], ast.Call)):
            return None  # ensure_future(x) of a future may return one somebody else owns
        return name.replace("asyncio.tasks.", "asyncio.")
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr in ("create_task", "ensure_future"):
        if index.produced_by(func.value) in LOOPS:
            return f"loop.{func.attr}"
    return None


def _uses(fn: ast.AST, name: str, after: ast.AST) -> list[ast.AST]:
    """Loads of ``name`` in ``fn`` (nested functions included: a closure may own it), other than ``after``'s target."""
    out = []
    for node in ast.walk(fn):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
            out.append(node)
        elif isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
            out.append(node)
    return out


@rule(
    "CM203", "unowned-task", HIGH,
    summary="A spawned task nothing owns: its result, errors and lifetime are nobody's.",
    impact="the loop keeps only a weak reference: the task can be garbage-collected mid-run, its exception is never seen, and it may outlive the scope it belongs to",
    fixed_by="task-guard", fix_safety="safe",
)
def check(ctx: FileContext) -> None:
    """## What it does
    Finds `asyncio.create_task(...)`, `asyncio.ensure_future(coro())` and `loop.create_task(...)`
    (through any import alias; `loop` from `asyncio.get_running_loop()`) whose task is dropped: the
    call is a bare statement, a comprehension statement, or its task is kept in a local variable that is
    never used again (naming it with `set_name` does not count). A task that is awaited, returned,
    stored, passed on, given a done-callback or cancelled has an owner; `TaskGroup`/nursery spawns
    always do.

    ## Why is this bad?
    The event loop keeps only a weak reference to a task: one nothing else references can disappear
    mid-execution. Its exception is only logged when it is collected, and nothing cancels it when the
    work it belongs to ends, so it can outlive its session (the seed audit's leaked background
    auto-flush and indexing tasks).

    ## Example
    ```python
    async def serve(self, session):
        asyncio.create_task(heartbeat(session))
        ...
    ```

    Use instead (a strong reference until the task is done, as the asyncio docs advise):
    ```python
    _background_tasks = set()

    async def serve(self, session):
        task = asyncio.create_task(heartbeat(session))
        _background_tasks.add(task)
        task.add_done_callback(_background_tasks.discard)
        ...
    ```

    ## Fix
    `codemod apply --transform task-guard` keeps every such task alive until it is done (safe: nothing
    else changes). Only where the code proves the task belongs to its scope (it uses a resource a `with`
    around the spawn closes, the function ends it with a stop Event, or it loops forever and nothing else
    could stop it) does the fix cancel the task when the function exits instead (unsafe: the task's
    lifetime changes by design, so blanket runs hold it back without `--unsafe-fixes`). Where the
    intended lifetime is ambiguous (a server started by `start()`, fire-and-forget fan-out, a task a
    done-callback owns) the task is kept alive, never cancelled, and the finding stays. Each finding's
    fix line says which fix applies to it and how safe it is.
    """
    index = ctx.index
    for node in ast.walk(ctx.tree):
        if not isinstance(node, ast.Call):
            continue
        how = spawn_of(index, node)
        if how is None:
            continue
        parent = index.parents.get(node)
        holder = index.enclosing_function(node)
        verb = "`" + how.rsplit(".", 1)[-1] + "(...)`"
        if isinstance(parent, ast.Expr):
            ctx.report(node, f"the task of {verb} is dropped: nothing keeps, awaits or cancels it")
        elif isinstance(parent, (ast.ListComp, ast.SetComp, ast.GeneratorExp)) and parent.elt is node:
            if isinstance(index.parents.get(parent), ast.Expr):
                ctx.report(node, f"the tasks of {verb} in a comprehension statement are dropped")
        elif isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
            if holder is None:
                continue  # a module-level name: the module owns it
            name = parent.targets[0].id
            uses = _uses(holder.node, name, parent)
            if all(_not_owning(index, u) for u in uses):
                ctx.report(node, f"the task of {verb} is kept in `{name}` but never awaited, cancelled, stored or returned")


def _not_owning(index: AstIndex, use: ast.AST) -> bool:
    parent = index.parents.get(use)
    if isinstance(parent, ast.Attribute) and parent.attr in _NOT_OWNING:
        return isinstance(index.parents.get(parent), ast.Call)
    return False


__all__ = ["LOOPS", "SPAWNS", "spawn_of", "FunctionNode", "own_body"]
