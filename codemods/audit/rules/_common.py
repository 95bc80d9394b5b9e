"""Facts several rules need: what is a lock, a queue, a task spawn; what suspends."""

from __future__ import annotations

import ast
import re
from typing import Iterator, Optional

from ...transforms._shared.ast_index import AstIndex, FunctionNode, dotted, own_body, suspends
from ...transforms.blocking_offload.facts import THREAD_LOCKS

_ASYNC_LOCK_MODULES = ("asyncio", "asyncio.locks", "anyio", "trio")
ASYNC_LOCKS = frozenset(
    f"{mod}.{cls}" for mod in _ASYNC_LOCK_MODULES for cls in ("Lock", "Condition", "StrictFIFOLock")
)
SEMAPHORES = frozenset(
    f"{mod}.{cls}" for mod in _ASYNC_LOCK_MODULES for cls in ("Semaphore", "BoundedSemaphore", "CapacityLimiter")
) | {"threading.Semaphore", "threading.BoundedSemaphore"}
CONDITIONS = frozenset(f"{mod}.Condition" for mod in _ASYNC_LOCK_MODULES)
LOCK_WORDS = frozenset({"lock", "locks", "rlock", "mutex", "mutexes"})


def lock_kind(index: AstIndex, expr: ast.AST) -> Optional[str]:
    """"async" (asyncio/anyio/trio Lock or Condition), "thread" (threading/multiprocessing), "named" (an
    expression whose last name says lock: ``self._lock``, ``locks[key]``), or None."""
    producer = index.produced_by(expr)
    if producer in ASYNC_LOCKS:
        return "async"
    if producer in THREAD_LOCKS and producer not in SEMAPHORES:
        return "thread"
    if producer in SEMAPHORES:
        return None
    if producer is not None:
        return None  # made by something known that is not a lock
    last = _last_name(expr)
    if last and LOCK_WORDS & set(words(last)):
        return "named"
    return None


def words(name: str) -> list[str]:
    """``_writeLock`` -> ["write", "lock"]; ``self._send_lock`` -> ["send", "lock"]."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return [w.lower() for w in spaced.split("_") if w]


def _last_name(expr: ast.AST) -> Optional[str]:
    while isinstance(expr, ast.Subscript):
        expr = expr.value
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return expr.attr
    return None


def suspension_points(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Awaits, ``async for``/``async with`` and async comprehensions of ``body`` (not nested functions)."""
    for stmt in body:
        if isinstance(stmt, (*FunctionNode, ast.ClassDef)):
            continue
        for node in own_body(stmt):
            if isinstance(node, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
                yield node
            elif isinstance(node, ast.comprehension) and node.is_async:
                yield node


def raises_in(body: list[ast.stmt]) -> bool:
    return any(isinstance(n, ast.Raise) for stmt in body for n in own_body(stmt))


def exits_in(body: list[ast.stmt]) -> bool:
    """A ``break``, ``return`` or ``raise`` that can end the loop this body belongs to (nested loops'
    ``break`` does not count)."""
    todo = list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.Return, ast.Raise)):
            return True
        if isinstance(node, ast.Break):
            return True
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (*FunctionNode, ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(child, (ast.For, ast.While, ast.AsyncFor)):
                todo.extend(n for n in ast.walk(child) if isinstance(n, (ast.Return, ast.Raise)))
                continue
            todo.append(child)
    return False


def is_stub(body: list[ast.stmt]) -> bool:
    """A body that only documents an interface: a docstring, ``pass``, ``...``, ``raise NotImplementedError``."""
    for stmt in body:
        if isinstance(stmt, ast.Pass):
            continue
        if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
            continue
        if isinstance(stmt, ast.Raise):
            exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                continue
        return False
    return True


def may_be_interface(index: AstIndex, fn_node: ast.AST) -> Optional[str]:
    """Why an ``async def`` may have to stay a coroutine function whatever its body: a reason, or None."""
    fn = index.functions[fn_node]
    node = fn.node
    if node.decorator_list:
        return "decorated"
    if node.name.startswith("__") and node.name.endswith("__"):
        return "a dunder"
    if fn.cls is not None:
        bases = [dotted(b) or "" for b in fn.cls.bases]
        if any(b not in ("object",) for b in bases) or fn.cls.keywords:
            return "a method of a class with a base class (it may implement an interface)"
        if any(isinstance(d, ast.AST) for d in fn.cls.decorator_list):
            return "a method of a decorated class"
    if is_stub(node.body):
        return "a stub"
    return None


def called_names(index: AstIndex) -> frozenset[tuple[str, str]]:
    """What the module calls: ("name", f) for ``f(...)``, ("attr", m) for ``x.m(...)``."""
    cached = getattr(index, "_called_names", None)
    if cached is None:
        found = set()
        for node in ast.walk(index.tree):
            if isinstance(node, ast.Call):
                if isinstance(node.func, ast.Name):
                    found.add(("name", node.func.id))
                elif isinstance(node.func, ast.Attribute):
                    found.add(("attr", node.func.attr))
        cached = frozenset(found)
        index._called_names = cached  # type: ignore[attr-defined]
    return cached


def uncalled(index: AstIndex, fn_node: ast.AST) -> bool:
    """Nothing in the function's own module calls it: it may be a hook a framework or plugin loader finds
    by name (Home Assistant's ``async_setup_entry``), or a callback handed to one
    (``hass.services.async_register(..., handler)``), whose ``async`` that caller requires."""
    fn = index.functions[fn_node]
    key = ("attr", fn_node.name) if fn.cls is not None else ("name", fn_node.name)
    return key not in called_names(index)


def yields(fn_node: ast.AST) -> bool:
    return any(isinstance(n, (ast.Yield, ast.YieldFrom)) for n in own_body(fn_node))


def header_end(ctx, fn: ast.AST) -> tuple[int, int]:
    """Where a ``def`` line ends (line, 1-based exclusive column): a function's finding spans its header."""
    line = fn.lineno
    lines = ctx.lines
    text = lines[line - 1] if line - 1 < len(lines) else ""
    return line, len(text.rstrip()) + 1


def docstring_free(body: list[ast.stmt]) -> list[ast.stmt]:
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
        return body[1:]
    return body


__all__ = [
    "ASYNC_LOCKS", "CONDITIONS", "SEMAPHORES", "THREAD_LOCKS", "docstring_free", "header_end", "exits_in", "is_stub", "lock_kind",
    "may_be_interface", "raises_in", "called_names", "uncalled", "suspends", "suspension_points", "yields",
]
