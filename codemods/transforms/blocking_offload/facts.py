"""Blocking calls of one module, from its ``ast`` index: where they are, and whether the transform can
offload each (or why not). Plain data: it travels to worker processes and the facts cache."""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Optional

from .._shared.ast_index import AstIndex, FunctionNode
from .catalogue import BLOCKING_FUNCTIONS, BLOCKING_METHODS, CALLED_ATTRIBUTES, OFFLOADERS, OFFLOADING_METHODS, RETURNS_HANDLE, SLEEP

THREAD_LOCKS = frozenset({
    "threading.Lock", "threading.RLock", "threading.Condition", "threading.Semaphore",
    "threading.BoundedSemaphore", "_thread.allocate_lock", "multiprocessing.Lock", "multiprocessing.RLock",
})


@dataclass(frozen=True)
class BlockingCall:
    line: int
    col: int  # 1-based
    end_line: int
    end_col: int  # 1-based, exclusive
    name: str  # what it resolves to: "time.sleep", "subprocess.Popen.wait"
    call: str  # how the code writes it: "time.sleep", "proc.wait"
    waits: str  # what it waits for ("sleeps the whole thread")
    function: str  # the enclosing function's qualified name
    in_async: bool  # the call runs in an async def's own body (an audit finding)
    skip: str  # "" when blocking-offload rewrites it, else the reason it leaves it alone

    @property
    def is_sleep(self) -> bool:
        return self.name == SLEEP


def blocking_name(index: AstIndex, call: ast.Call) -> Optional[tuple[str, str]]:
    """(qualified name, what it waits for) when ``call`` is a known blocking call."""
    name = index.call_name(call)
    if name in BLOCKING_FUNCTIONS:
        return name, BLOCKING_FUNCTIONS[name]
    func = call.func
    if isinstance(func, ast.Attribute):
        producer = index.produced_by(func.value)
        methods = BLOCKING_METHODS.get(producer or "")
        if methods and func.attr in methods:
            return f"{producer}.{func.attr}", methods[func.attr]
    return None


def _offloaded_names(index: AstIndex, fn: ast.AST) -> set[str]:
    """Names of nested functions that ``fn`` hands to a thread (``asyncio.to_thread(work)``)."""
    names: set[str] = set()
    for node in ast.walk(fn):
        if not isinstance(node, ast.Call):
            continue
        if _is_offloader_call(index, node):
            for arg in [*node.args, *(k.value for k in node.keywords)]:
                if isinstance(arg, ast.Name):
                    names.add(arg.id)
    return names


def _is_offloader_call(index: AstIndex, node: Optional[ast.AST]) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return index.call_name(node) in OFFLOADERS or (isinstance(func, ast.Attribute) and func.attr in OFFLOADING_METHODS)


def _callers(index: AstIndex) -> dict[str, list[str]]:
    """For each plain name or ``self.name`` called from an async def's body: the async defs calling it."""
    out: dict[str, list[str]] = {}
    for fn in index.functions.values():
        if not fn.is_async:
            continue
        for node in ast.walk(fn.node):
            if isinstance(node, ast.Call):
                f = node.func
                if isinstance(f, ast.Name):
                    out.setdefault(f.id, []).append(fn.qualname)
                elif isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id in ("self", "cls"):
                    out.setdefault("self." + f.attr, []).append(fn.qualname)
    return out


def find_blocking_calls(index: AstIndex) -> list[BlockingCall]:
    """Every known blocking call that runs in an ``async def`` (directly, or through a nested sync
    function or lambda, or a plain function the module's async code calls), with the transform's verdict."""
    return [call for _, call in iter_blocking_calls(index)]


def iter_blocking_calls(index: AstIndex) -> list[tuple[ast.Call, BlockingCall]]:
    """:func:`find_blocking_calls` with each call's node."""
    found: list[tuple[ast.Call, BlockingCall]] = []
    callers: Optional[dict[str, list[str]]] = None
    for node in ast.walk(index.tree):
        if not isinstance(node, ast.Call):
            continue
        if isinstance(node.func, ast.Attribute) and node.func.attr not in CALLED_ATTRIBUTES:
            continue
        hit = blocking_name(index, node)
        if hit is None:
            continue
        name, waits = hit
        fn = index.function_of(node)
        outer = index.enclosing_function(node)
        if outer is None:
            continue
        skip = ""
        in_async = fn is not None and fn.is_async
        if not in_async:
            # the call runs in a sync def or a lambda: inside an async def, or a plain function
            async_outer = outer
            while async_outer is not None and not async_outer.is_async:
                async_outer = async_outer.parent
            holder = _holder(index, node)
            if async_outer is not None:
                if holder is not None and _holder_name(holder) in _offloaded_names(index, async_outer.node):
                    continue  # `def work(): ...` handed to asyncio.to_thread: already off the loop
                if isinstance(holder, ast.Lambda) and _is_offloader_call(index, index.parents.get(holder)):
                    continue  # `asyncio.to_thread(lambda: ...)`
                kind = "lambda" if isinstance(holder, ast.Lambda) else "nested function"
                skip = (
                    f"inside a {kind} of `{async_outer.qualname}`: `await` cannot go there, and it may run "
                    "on another thread or after the coroutine returned"
                )
            else:
                if fn is None or fn.node.name.startswith("__"):
                    continue
                if callers is None:
                    callers = _callers(index)
                key = ("self." if fn.cls is not None else "") + fn.node.name
                who = callers.get(key)
                if not who:
                    continue
                skip = (
                    f"in `{fn.qualname}`, a plain function that `{who[0]}` calls: it must stay synchronous for "
                    f"its callers; offload the call to `{fn.node.name}` instead "
                    f"(`await asyncio.to_thread({key}, ...)`)"
                )
        else:
            skip = _why_not(index, node, name)
        found.append((node, BlockingCall(
            node.lineno, node.col_offset + 1, node.end_lineno or node.lineno, (node.end_col_offset or 0) + 1,
            name, ast.unparse(node.func), waits, (fn or outer).qualname, in_async, skip,
        )))
    found.sort(key=lambda nb: (nb[1].line, nb[1].col))
    return found


def _holder(index: AstIndex, node: ast.AST) -> Optional[ast.AST]:
    for anc in index.ancestors(node):
        if isinstance(anc, (*FunctionNode, ast.Lambda)):
            return anc
    return None


def _holder_name(holder: ast.AST) -> str:
    return holder.name if isinstance(holder, FunctionNode) else ""


def _why_not(index: AstIndex, call: ast.Call, name: str) -> str:
    """The reason blocking-offload leaves a blocking call in an async def's body alone ("" to rewrite)."""
    parent = index.parents.get(call)
    if isinstance(parent, ast.withitem) and parent.context_expr is call:
        return (
            f"used as a context manager (`with {ast.unparse(call.func)}(...)`): offloading the call would leave "
            "the block's reads and writes on the event loop; move the whole block into a function run with "
            "`asyncio.to_thread`"
        )
    if name in RETURNS_HANDLE:
        return (
            f"`{ast.unparse(call.func)}()` returns a handle whose reads and writes would still block the event loop; "
            "move the code that uses it into a function run with `asyncio.to_thread`"
        )
    if isinstance(parent, ast.Await):
        return "already awaited: the callee is not the standard blocking function"
    for anc in index.ancestors(call):
        if isinstance(anc, ast.GeneratorExp):
            return "inside a generator expression: an `await` there would make it an async generator"
        if isinstance(anc, (ast.With, ast.AsyncWith)):
            for item in anc.items:
                if index.produced_by(item.context_expr) in THREAD_LOCKS:
                    return (
                        "while a threading lock is held: awaiting there would let another task block the event "
                        "loop on the same lock"
                    )
        if isinstance(anc, FunctionNode):
            break
    if name == SLEEP:
        if not isinstance(parent, ast.Expr):
            return "the value of `time.sleep()` is used: only a statement `time.sleep(x)` is rewritten"
        if len(call.args) != 1 or call.keywords or isinstance(call.args[0], ast.Starred):
            return "`time.sleep` is not called with one argument"
    return ""


__all__ = ["BlockingCall", "THREAD_LOCKS", "blocking_name", "find_blocking_calls", "iter_blocking_calls"]
