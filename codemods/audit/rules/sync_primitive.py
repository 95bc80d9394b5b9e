"""CM202 sync-primitive."""

from __future__ import annotations

import ast

from ...model import HIGH
from ...transforms._shared.ast_index import dotted
from . import FileContext, rule
from ._common import SEMAPHORES, THREAD_LOCKS, suspension_points

QUEUES = frozenset({
    "queue.Queue", "queue.LifoQueue", "queue.PriorityQueue", "queue.SimpleQueue",
    "multiprocessing.Queue", "multiprocessing.JoinableQueue", "multiprocessing.SimpleQueue",
})
_WAITING = {
    "threading.Event": ("wait",),
    "threading.Condition": ("wait", "wait_for"),
    "threading.Thread": ("join",),
    "threading.Barrier": ("wait",),
}


def _non_blocking(call: ast.Call, block_pos: int) -> bool:
    """``get(False)``, ``put(x, block=False)``, ``acquire(blocking=False)``, ``timeout=0``."""
    for kw in call.keywords:
        if kw.arg in ("block", "blocking") and isinstance(kw.value, ast.Constant) and kw.value.value is False:
            return True
        if kw.arg == "timeout" and isinstance(kw.value, ast.Constant) and kw.value.value == 0:
            return True
    if len(call.args) > block_pos:
        arg = call.args[block_pos]
        if isinstance(arg, ast.Constant) and arg.value is False:
            return True
    return False


@rule(
    "CM202", "sync-primitive", HIGH,
    summary="A `threading` lock, event or `queue.Queue` get/put used in an `async def`.",
    impact="the event loop thread waits on a primitive made for threads: every task stalls until another thread lets go",
)
def check(ctx: FileContext) -> None:
    """## What it does
    Finds, in the body of an `async def`, synchronisation made for threads: `with lock:` or
    `lock.acquire()` on a `threading`/`multiprocessing` lock or semaphore (without `blocking=False`),
    `queue.Queue` (and `multiprocessing.Queue`) `get()`/`put()`/`join()` that may block, `threading.Event.wait()`,
    `threading.Condition.wait()`, `Thread.join()`. The primitive is known from its construction or
    annotation, through import aliases (`self._q = queue.Queue()` in any method of the class).
    A threading lock held across an `await` is CM101 instead.

    ## Why is this bad?
    These calls wait by blocking the thread. On the event loop's thread, that stops every task; if the
    thread that would release the lock or fill the queue needs the loop, it never does (a deadlock).
    (The seed audit's High finding: std sync locks in an async-facing hot path.)

    ## Example
    ```python
    async def next_job(self):
        return self._jobs.get()          # queue.Queue
    ```

    Use instead:
    ```python
    async def next_job(self):
        return await asyncio.to_thread(self._jobs.get)   # or an asyncio.Queue fed with call_soon_threadsafe
    ```

    ## Fix
    No automatic fix: the right primitive (`asyncio.Lock`, `asyncio.Queue`, `janus`, `to_thread`) depends
    on who else uses it.
    """
    index = ctx.index
    for node in ast.walk(ctx.tree):
        if isinstance(node, ast.With):
            if index.in_async_body(node) is None:
                continue
            for item in node.items:
                producer = index.produced_by(item.context_expr)
                if producer in THREAD_LOCKS or producer in ("threading.Semaphore", "threading.BoundedSemaphore"):
                    if any(True for _ in suspension_points(node.body)) and producer not in SEMAPHORES:
                        continue  # an await under it: CM101 reports it
                    ctx.report(
                        item.context_expr,
                        f"`with {ctx.segment(item.context_expr)}:` takes a `{producer}` on the event loop",
                    )
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            if index.in_async_body(node) is None:
                continue
            attr = node.func.attr
            producer = index.produced_by(node.func.value)
            if producer is None:
                continue
            what = None
            if producer in THREAD_LOCKS and attr == "acquire" and not _non_blocking(node, 0):
                if isinstance(index.parents.get(node), ast.Await):
                    continue
                what = f"`{dotted(node.func) or ctx.segment(node.func)}()` waits for a `{producer}`"
            elif producer in QUEUES and attr in ("get", "put", "join"):
                if not _non_blocking(node, 1 if attr == "put" else 0):
                    what = f"`{ctx.segment(node.func)}()` on a `{producer}` blocks until {'an item arrives' if attr == 'get' else 'there is room' if attr == 'put' else 'every item is done'}"
            elif attr in _WAITING.get(producer, ()):
                if not any(kw.arg == "timeout" and isinstance(kw.value, ast.Constant) and kw.value.value == 0 for kw in node.keywords):
                    what = f"`{ctx.segment(node.func)}()` on a `{producer}` blocks the thread"
            if what:
                ctx.report(node, what + " in an `async def`")
