"""task-guard: a task nobody owns gets the fix its purpose calls for.

The package, by concern: ``facts`` (the cheap ``ast`` index), ``ownership`` (spawns and who keeps each
task, on the LibCST tree), ``flow`` (control flow after a spawn), ``lifetime`` (what a task is for),
``planning`` (one decision per spawn, offered to ``ctx.fix``), ``rewriting`` (the LibCST transformer),
``reasons`` (every message it prints).
"""

from __future__ import annotations

import ast
import keyword
import re
from typing import Any, Mapping

import libcst as cst

from .. import register
from ..base import UNSAFE, RewriteContext, SourceInfo, Transform
from . import facts
from .facts import SpawnFact
from .ownership import Tree
from .planning import Planner
from .rewriting import rewrite

RULE_UNOWNED_TASK = "CM203"  # the audit's rule id for a spawned task nobody owns


def guard_option(value: Any) -> tuple[str, str] | None:
    """``"pkg.tasks:task_guard"`` -> ``("pkg.tasks", "task_guard")``; None -> None (the stdlib guard)."""
    if value is None or value == "":
        return None
    ident = r"[A-Za-z_][A-Za-z0-9_]*"
    if not isinstance(value, str) or not re.fullmatch(rf"{ident}(\.{ident})*:{ident}", value):
        raise ValueError(f'task-guard: option guard must look like "package.module:name", got {value!r}')
    module, name = value.split(":")
    if keyword.iskeyword(name) or any(keyword.iskeyword(p) for p in module.split(".")):
        raise ValueError(f"task-guard: option guard names a Python keyword: {value!r}")
    return module, name


@register
class TaskGuard(Transform):
    """Give every task nobody owns the fix its purpose calls for: keep it alive, or cancel it with its scope.

    ## What it does
    Finds tasks started with `asyncio.create_task`, `asyncio.ensure_future` or `loop.create_task` (through
    any import alias, for a `loop` from `asyncio.get_running_loop()` / `get_event_loop()` or annotated
    `asyncio.AbstractEventLoop`, a local or a `self._loop` the class only ever sets so) that nothing owns: the spawn is a bare statement, a comprehension whose
    list is thrown away, or its task is kept in a local that is never awaited, cancelled, returned, passed
    on or stored. Such a task has two hazards, and each has its own fix; the transform decides per spawn,
    by what the task is for.

    **The garbage-collection hazard** (ruff's RUF006): the event loop keeps only a weak reference to a
    task, so a task nothing references can disappear mid-run. The **keep-alive fix** is the asyncio docs'
    strong reference: a set at module level, `_background_tasks = set()` after the imports, and after the
    spawn `_background_tasks.add(task)` and `task.add_done_callback(_background_tasks.discard)`, so the
    task stays referenced until it is done and then leaves the set. Nothing else changes: it is applied to
    every unowned task that is not cancelled instead, in sync functions too.

    **The lifetime hazard**: the task outlives the scope it belongs to (a heartbeat still beating after
    its session ended; the seed audit's abort-on-drop guards). The **cancel guard** ends the task when its
    scope exits: the rest of the function goes into `with contextlib.ExitStack() as stack:` and
    `stack.callback(task.cancel)` follows the spawn, so the task is cancelled however the function exits
    (return, exception, its own cancellation); no `await` is added. Spawns inside a loop get the asyncio
    docs' task set instead (`tasks = set()`, `try:` ... `finally: for task in tasks: task.cancel()`), so a
    long-running loop does not hold on to finished tasks. When the function already ends the task by
    setting an Event it passed it (`done.set()` at the end), the guard registers `stack.callback(done.set)`
    instead: the task is ended the way the function ends it, on every way out. A task stored on `self`
    that the class never uses otherwise, set in `__init__`, is cancelled first thing in the class's
    `aclose()` / `close()` / `stop()` / `__aexit__()` (the first of them it has).

    The cancel guard is applied only where the code proves the task belongs to its scope:
    - the function ends it with a stop Event, only not on every way out;
    - the task uses a resource (`conn`) that a `with` / `async with` around the spawn closes;
    - the coroutine, defined in this file, loops forever (`while True:` with no break or return) and the
      function is not one that starts things and returns: nothing else could ever stop it.
    And never where the task is meant to outlive its spawner, checked first:
    - a server or worker the function waits for until it signals readiness (`await ready.wait()` on an
      Event it passed the task), or a task started by a starter (`start()`, `connect()`, `serve()`,
      `setup()`, `open()`...) that returns without serving a loop;
    - nothing is awaited after the spawn (the guard would cancel the task before it ever ran);
    - fire-and-forget fan-out: notifications, broadcasts, events, log or audit records (`notify`,
      `broadcast`, `publish`, `send`, `record`, `on_*`...), meant to finish on their own;
    - a done-callback consumes the result (`task.add_done_callback(...)`): the callback owns the task.
    These get the keep-alive fix, and the change says which pattern it saw. Every other unowned task has
    an ambiguous lifetime: it gets the keep-alive fix and is reported (a finding: rule CM203), never
    cancelled. So is a method's spawn of the object's own coroutine (`create_task(self.main())`: a
    lifecycle task that later methods talk to, which belongs to the object, not to the call).

    A task stored on `self` is not cancelled in `close()` when another method calls `close()` without
    starting the task again (`reconnect()` = `close()` + `open()`: the keep-alive must survive it).

    Left alone and reported, with the reason: `ensure_future(x)` where `x` is not known to be a coroutine
    call (a coroutine function of this file or asyncio's: it may return a Future somebody else owns);
    `x.create_task(...)` on a receiver that looks like an event loop but is not known to be one
    (`self._loop`, `hass.loop`: it may be a TaskGroup or another library's scheduler); a generator
    expression statement (never iterated: it spawns nothing); spawns at module level or in a class body;
    tasks in a `global`/`nonlocal` variable or in expressions the transform does not follow; tasks stored
    on `self` when the class has no close method or `__init__` does not set the attribute. Spawns that are
    owned are never touched: `TaskGroup` and nursery spawns, tasks awaited, cancelled, gathered, passed on,
    returned, yielded or kept in a container.

    A project can use its own cancel guard instead:

    ```toml
    [tool.codemod.task-guard]
    guard = "pkg.tasks:task_guard"
    ```

    The transform then writes `from pkg.tasks import task_guard`, `with task_guard() as tasks:`, and
    `tasks.add(task)` after each guarded spawn: `task_guard()` must return a context manager whose value
    has an `add(task)` method and which cancels the added tasks on exit.

    ## Why is this bad?
    A task nothing owns keeps running after the code that started it is gone, its exceptions are only
    logged when it is garbage-collected, and, since the event loop keeps only a weak reference to it, it
    can disappear mid-run (see the warning in the docs of `asyncio.create_task`). ruff's RUF006 and
    flake8-async's ASYNC300 report the bare statement; this transform fixes it in the way its purpose
    allows.

    ## Example
    ```python
    import asyncio


    async def heartbeat(conn):
        while True:
            await conn.ping()


    async def serve(conn):
        asyncio.create_task(heartbeat(conn))
        while True:
            await conn.handle(await conn.recv())
    ```

    Use instead (the heartbeat loops forever: it belongs to `serve()`, so the cancel guard):

    ```python
    import asyncio
    import contextlib


    async def heartbeat(conn):
        while True:
            await conn.ping()


    async def serve(conn):
        with contextlib.ExitStack() as stack:
            heartbeat_task = asyncio.create_task(heartbeat(conn))
            stack.callback(heartbeat_task.cancel)
            while True:
                await conn.handle(await conn.recv())
    ```

    A notification is fire-and-forget, so `asyncio.create_task(member.notify(text))` gets the keep-alive
    fix instead:

    ```python
    # The event loop keeps only weak references to tasks: keep them until done.
    _background_tasks = set()
    ...
            notify_task = asyncio.create_task(member.notify(text))
            _background_tasks.add(notify_task)
            notify_task.add_done_callback(_background_tasks.discard)
    ```

    ## Fix safety
    - **keep-alive: safe.** The task runs exactly as before, for exactly as long; it can only no longer
      be garbage-collected before it is done. `--transform all` applies it.
    - **cancel guard: unsafe.** It changes a lifetime on purpose: a task that used to outlive its function
      (or its object's close method) is now cancelled there, or, with a stop Event, told to stop on the
      ways out that used to skip `done.set()`. Cancellation is requested, not awaited. It is applied when
      the transform is named (`--transform task-guard`) or with `--unsafe-fixes`; otherwise it is held
      back and counted, and the spawn is left as it is (the keep-alive fix is not applied in its place,
      so that the cancel guard can still be applied later). The added `import contextlib` belongs to the
      cancel guards that need it (one unit in review), and the task set to the keep-alive fixes.
    - Where the intended lifetime is ambiguous, neither is a fix of the lifetime: the task is kept alive
      and reported, and deciding whether it belongs to its spawner is left to a person.
    """

    name = "task-guard"
    fix_safety = UNSAFE
    rules = (RULE_UNOWNED_TASK,)
    version = "2"
    summary = "Keep alive the tasks nobody owns; cancel them when their scope ends where they provably belong to it."
    prefilter = (b"create_task", b"ensure_future")
    option_defaults = {"guard": None}

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self._guard = guard_option(self.options.get("guard"))

    def index(self, src: SourceInfo, tree: ast.Module) -> tuple[SpawnFact, ...] | None:
        return facts.index(tree)

    def rewrite(self, module: cst.Module, file_plan: Any, ctx: RewriteContext) -> cst.Module:
        tree = Tree(module)
        if not tree.calls:
            return module
        plan = Planner(tree, ctx, self._guard).run()
        if not plan:
            return module
        return rewrite(tree.module, plan)


__all__ = ["RULE_UNOWNED_TASK", "SpawnFact", "TaskGuard", "guard_option"]
