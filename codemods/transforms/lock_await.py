"""lock-await: move awaits out of the critical sections of locks."""

from __future__ import annotations

import ast
import builtins
import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import libcst as cst
import libcst.matchers as m
from libcst.metadata import (
    Assignment,
    PositionProvider,
    QualifiedNameProvider,
    Scope,
    ScopeProvider,
)

from codemods.transforms import register
from codemods.transforms.base import UNSAFE, RewriteContext, SourceInfo, Transform

# --------------------------------------------------------------------------------------------
# what is a lock

_ASYNC_MODULES = ("asyncio", "asyncio.locks", "anyio", "trio")
_KINDS_BY_CLASS = {
    "Lock": "lock",
    "StrictFIFOLock": "lock",
    "Condition": "condition",
    "Semaphore": "semaphore",
    "BoundedSemaphore": "semaphore",
    "CapacityLimiter": "semaphore",
}
LOCK_TYPES: dict[str, str] = {f"{mod}.{cls}": kind for mod in _ASYNC_MODULES for cls, kind in _KINDS_BY_CLASS.items()}
LOCK_TYPES.update(
    {
        "threading.Lock": "thread-lock",
        "threading.RLock": "thread-lock",
        "threading.Condition": "thread-lock",
        "threading.Semaphore": "thread-lock",
        "threading.BoundedSemaphore": "thread-lock",
        "_thread.allocate_lock": "thread-lock",
        "multiprocessing.Lock": "thread-lock",
        "multiprocessing.RLock": "thread-lock",
    }
)
# index() has no import resolution: any call or annotation ending in one of these may be a lock
_LOCK_CLASS_NAMES = frozenset(name.rsplit(".", 1)[1] for name in LOCK_TYPES) | {"RLock"}


def _last_name_ast(node: ast.expr) -> Optional[str]:
    while isinstance(node, ast.Subscript):
        node = node.value
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _last_name_cst(node: cst.BaseExpression) -> Optional[str]:
    while isinstance(node, cst.Subscript):
        node = node.value
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return node.attr.value
    return None


def _matches(name: Optional[str], patterns: Sequence[str]) -> bool:
    return bool(name) and any(fnmatch.fnmatchcase(name.lower(), p.lower()) for p in patterns)


# --------------------------------------------------------------------------------------------
# index: CPython ast, small facts


_STATEMENT_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def _statements(stmts: list[ast.stmt], in_async: bool):
    """(statement, inside an async def) for every statement, without walking expressions."""
    todo = [(s, in_async) for s in reversed(stmts)]
    while todo:
        node, in_async = todo.pop()
        yield node, in_async
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            in_async = isinstance(node, ast.AsyncFunctionDef)
        elif isinstance(node, ast.ClassDef):
            in_async = False
        for name in _STATEMENT_FIELDS:
            children = getattr(node, name, None)
            if children:
                todo.extend((c, in_async) for c in reversed(children))


def _index_blocks(tree: ast.Module, patterns: Sequence[str]) -> list[tuple[int, int]]:
    """Lock blocks (by position) in async defs that hold an await: a cheap superset of what rewrite finds."""
    stmts = list(_statements(tree.body, False))
    candidates = [
        node
        for node, in_async in stmts
        if in_async and isinstance(node, (ast.With, ast.AsyncWith)) and any(_has_await(s) for s in node.body)
    ]
    if not candidates:
        return []
    lockish: Optional[set[str]] = None
    blocks = []
    for node in candidates:
        names = [_last_name_ast(item.context_expr) for item in node.items]
        if not any(_matches(n, patterns) for n in names):
            if lockish is None:
                lockish = _lockish_names([s for s, _ in stmts])
            if not any(n in lockish for n in names if n):
                continue
        blocks.append((node.lineno, node.col_offset + 1))
    return blocks


def _has_await(node: ast.AST) -> bool:
    todo = [node]
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return True
        if isinstance(n, ast.comprehension) and n.is_async:
            return True
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        todo.extend(ast.iter_child_nodes(n))
    return False


def _lockish_names(nodes: list[ast.stmt]) -> set[str]:
    """Names (or attribute names) bound to something that may be a lock, by a call or an annotation."""
    names: set[str] = set()
    classes = set(_LOCK_CLASS_NAMES)  # and what `from asyncio import Lock as AsyncLock` calls them
    for node in nodes:
        if isinstance(node, ast.ImportFrom):
            classes.update(a.asname for a in node.names if a.asname and a.name in _LOCK_CLASS_NAMES)
    for node in nodes:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            a = node.args
            for arg in (*a.posonlyargs, *a.args, *a.kwonlyargs):
                if arg.annotation is not None and {
                    _last_name_ast(n) for n in ast.walk(arg.annotation) if isinstance(n, (ast.Name, ast.Attribute))
                } & classes:
                    names.add(arg.arg)
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            if _last_name_ast(node.value.func) in classes:
                for target in node.targets:
                    if (n := _last_name_ast(target)) is not None:
                        names.add(n)
        elif isinstance(node, ast.AnnAssign):
            mentioned = {_last_name_ast(n) for n in ast.walk(node.annotation) if isinstance(n, (ast.Name, ast.Attribute))}
            if isinstance(node.value, ast.Call):
                mentioned.add(_last_name_ast(node.value.func))
            if mentioned & classes and (n := _last_name_ast(node.target)) is not None:
                names.add(n)
    return names


# --------------------------------------------------------------------------------------------
# rewrite: helpers on LibCST nodes


class _Reads(cst.CSTVisitor):
    """Names an expression or statement reads (a superset: comprehension and lambda names too)."""

    def __init__(self) -> None:
        self.names: set[str] = set()
        self.accesses = False  # reads an attribute or a subscript

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        self.accesses = True
        node.value.visit(self)
        return False

    def visit_Subscript(self, node: cst.Subscript) -> None:
        self.accesses = True

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False


# Facts about nodes, computed once per rewrite (LibCST rebuilds a subtree on every visit).
_MEMO: dict[tuple[str, int], tuple[Any, ...]] = {}


def _read_facts(node: cst.CSTNode) -> tuple[Any, frozenset[str], bool]:
    hit = _MEMO.get(("reads", id(node)))
    if hit is None or hit[0] is not node:
        v = _Reads()
        node.visit(v)
        hit = _MEMO[("reads", id(node))] = (node, frozenset(v.names), v.accesses)
    return hit  # type: ignore[return-value]


def _reads(node: cst.CSTNode) -> set[str]:
    return set(_read_facts(node)[1])


def _accesses(node: cst.CSTNode) -> bool:
    """The node reads an attribute or a subscript."""
    return _read_facts(node)[2]


def _chain(node: cst.BaseExpression, code) -> Optional[str]:
    """`self._data`, `entries[key]` as text, for nodes made of names, attributes and subscripts."""
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _chain(node.value, code)
        return None if base is None else f"{base}.{node.attr.value}"
    if isinstance(node, cst.Subscript):
        base = _chain(node.value, code)
        return None if base is None else f"{base}[{code(node.slice[0]) if len(node.slice) == 1 else '...'}]"
    return None


# methods of str/bytes/dict/list/set that only read: calling one does not change the receiver
_READ_ONLY_METHODS = frozenset(
    "get keys values items copy count index startswith endswith find rfind lower upper casefold strip lstrip "
    "rstrip split rsplit splitlines join format encode decode isdigit isalpha isalnum isspace isidentifier "
    "issubset issuperset isdisjoint union intersection difference".split()
)


class _Effects(cst.CSTVisitor):
    """What statements may change: names they bind, access paths they store to or call methods on."""

    def __init__(self, code) -> None:
        self.code = code
        self.names: set[str] = set()
        self.stores: set[str] = set()  # access paths stored to or deleted
        self.receivers: set[str] = set()  # access paths a method is called on
        self.heap = False  # stores through attributes/subscripts, deletes or calls anything

    def _target(self, node: cst.CSTNode) -> None:
        if isinstance(node, cst.Name):
            self.names.add(node.value)
        elif isinstance(node, (cst.Tuple, cst.List)):
            for el in node.elements:
                self._target(el.value)
        elif isinstance(node, cst.StarredElement):
            self._target(node.value)
        elif isinstance(node, (cst.Attribute, cst.Subscript)):
            self.heap = True
            path = _chain(node, self.code)
            if path:
                self.stores.add(path)

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        self._target(node.target)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._target(node.target)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        self._target(node.target)

    def visit_Del(self, node: cst.Del) -> None:
        self._target(node.target)

    def visit_For(self, node: cst.For) -> None:
        self._target(node.target)

    def visit_AsName(self, node: cst.AsName) -> None:
        self._target(node.name)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._target(node.target)

    def visit_CompFor(self, node: cst.CompFor) -> None:
        self._target(node.target)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self.names.add(node.name.value)
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self.names.add(node.name.value)
        return False

    def visit_Call(self, node: cst.Call) -> None:
        self.heap = True
        if isinstance(node.func, cst.Attribute) and node.func.attr.value not in _READ_ONLY_METHODS:
            path = _chain(node.func.value, self.code)
            if path:
                self.receivers.add(path)

    def visit_Global(self, node: cst.Global) -> None:
        self.heap = True

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.heap = True


def _effects(stmts: Sequence[cst.CSTNode], code) -> _Effects:
    total = _Effects(code)
    for s in stmts:
        hit = _MEMO.get(("effects", id(s)))
        if hit is None or hit[0] is not s:
            v = _Effects(code)
            s.visit(v)
            hit = _MEMO[("effects", id(s))] = (s, v)
        one = hit[1]
        total.names |= one.names
        total.stores |= one.stores
        total.receivers |= one.receivers
        total.heap = total.heap or one.heap
    return total


class _Exits(cst.CSTVisitor):
    """`return`/`raise`/`yield`, and `break`/`continue` that leave the statements visited."""

    def __init__(self) -> None:
        self.found: Optional[cst.CSTNode] = None
        self.loops = 0

    def _note(self, node: cst.CSTNode) -> None:
        if self.found is None:
            self.found = node

    def visit_Return(self, node: cst.Return) -> None:
        self._note(node)

    def visit_Raise(self, node: cst.Raise) -> None:
        self._note(node)

    def visit_Assert(self, node: cst.Assert) -> None:
        self._note(node)

    def visit_Yield(self, node: cst.Yield) -> None:
        self._note(node)

    def visit_Break(self, node: cst.Break) -> None:
        if not self.loops:
            self._note(node)

    def visit_Continue(self, node: cst.Continue) -> None:
        if not self.loops:
            self._note(node)

    def visit_For(self, node: cst.For) -> None:
        node.iter.visit(self)
        self.loops += 1
        node.body.visit(self)
        self.loops -= 1
        if node.orelse:
            node.orelse.visit(self)
        return False

    def visit_While(self, node: cst.While) -> None:
        node.test.visit(self)
        self.loops += 1
        node.body.visit(self)
        self.loops -= 1
        if node.orelse:
            node.orelse.visit(self)
        return False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


def _first_exit(stmts: Sequence[cst.CSTNode]) -> Optional[cst.CSTNode]:
    v = _Exits()
    for s in stmts:
        s.visit(v)
        if v.found is not None:
            return v.found
    return None


@dataclass
class _Site:
    """An await (or `async for`/`async with`/async comprehension) under the lock."""

    node: cst.CSTNode
    top: int  # index of the top-level statement of the block that holds it
    path: tuple[cst.CSTNode, ...]  # ancestors from the top-level statement down to the node


class _Sites(cst.CSTVisitor):
    def __init__(self) -> None:
        self.stack: list[cst.CSTNode] = []
        self.found: list[tuple[cst.CSTNode, tuple[cst.CSTNode, ...]]] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            return False
        if isinstance(node, cst.Await) or (
            isinstance(node, (cst.For, cst.With, cst.CompFor)) and node.asynchronous is not None
        ):
            self.found.append((node, tuple(self.stack)))
        self.stack.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        if self.stack and self.stack[-1] is original_node:
            self.stack.pop()


_BUILTINS = frozenset(dir(builtins))
_STABLE_LEAVES = (cst.Integer, cst.Float, cst.Imaginary, cst.SimpleString, cst.ConcatenatedString)


def _is_constant(node: cst.CSTNode) -> bool:
    if isinstance(node, _STABLE_LEAVES):
        return True
    if isinstance(node, cst.Name) and node.value in ("None", "True", "False"):
        return True
    if isinstance(node, cst.UnaryOperation):
        return _is_constant(node.expression)
    return False


# --------------------------------------------------------------------------------------------
# the plan for one lock block


@dataclass
class _Moved:
    index: int  # top-level statement index in the block
    stmt: cst.BaseStatement
    await_node: Optional[cst.Await]  # None for a plain statement that follows the awaits
    captures: list[tuple[cst.BaseExpression, str]] = field(default_factory=list)
    whole: bool = False  # an `if` around the await, moved as it is


@dataclass
class _Collected:
    index: int
    await_node: cst.Await
    expr_stmt: cst.Expr  # the `await f(...)` expression statement inside the loop/if
    list_name: str = ""
    elements: list[tuple[cst.BaseExpression, str]] = field(default_factory=list)  # appended value, loop name
    call_text: str = ""  # the call after the block, written with the loop names


class _Fail(Exception):
    """A site that cannot move: it and every site before it stay."""

    def __init__(self, index: int, site: cst.CSTNode, reason: str, also: Sequence[cst.CSTNode] = ()) -> None:
        super().__init__(reason)
        self.index = index
        self.site = site
        self.reason = reason
        self.also = also  # other sites the same reason applies to


@dataclass
class _BlockEdit:
    pre: list[cst.BaseStatement]
    moved: list[_Moved | _Collected]
    replace: dict[cst.CSTNode, cst.CSTNode]


@register
class LockAwait(Transform):
    """Release the lock first, then await: the awaited call no longer runs inside the critical section.

    ## What it does
    Finds `await` inside `async with lock:` (an `asyncio`, `anyio` or `trio` `Lock` or `Condition`)
    and inside `with lock:` on a `threading.Lock` in an `async def`, and moves the awaited call after
    the block:

    - an await at the end of the block, with the statements after it that use only local variables
      (`return value` included), moves after the block;
    - an await in the middle of the block whose result the rest of the block does not need moves after
      the block; the arguments the rest of the block may change are first saved in local variables
      under the lock;
    - an await inside a `for` loop or an `if` of the block is replaced by collecting its arguments in a
      list under the lock; after the block, a loop awaits the calls in the same order.

    A lock is known from its construction (`self._lock = asyncio.Lock()`, `lock = threading.Lock()`,
    through import aliases), its annotation (`self._lock: asyncio.Lock`), or its name: the option
    `lock-patterns` (`[tool.codemod.lock-await]`, default `["*lock*", "*mutex*"]`, case-insensitive
    fnmatch patterns on the last name of the `with` expression).

    Awaits stay where they are, each reported with its reason, when moving them is not provably safe:
    `await cond.wait()` and any await on the lock itself, an awaited method of the object that owns the
    lock (`await self.read_reply()` under `self._lock`: the lock may exist to serialize that very
    operation), an await of the operation the lock is named after (`await send(...)` under
    `_send_lock`), an await whose result the critical section uses, awaits inside `try`, nested
    `with`/`async with`/`async for` or comprehensions, awaits followed by a `return`/`raise`/`break`
    that would skip them, a semaphore (which exists to bound the awaits it guards), and blocks that hold
    the lock only around awaits (the lock serializes them).

    ## Why is this bad?
    While a task awaits with a lock held, every other task that needs the lock waits too, however
    long the awaited call takes: a slow observer or network call becomes a stall for all of them, and
    a callee that needs the same lock deadlocks. Holding a `threading.Lock` across an await blocks the
    whole event loop thread when another task tries to take it. Rust's clippy has
    `await_holding_lock` for this; Python linters have no rule.

    ## Example
    ```python
    async def remove(self, key):
        async with self._lock:
            entry = self._entries.pop(key)
            self._size -= entry.size
            await self._observer.on_evict(key, entry.value)
    ```

    Use instead:
    ```python
    async def remove(self, key):
        async with self._lock:
            entry = self._entries.pop(key)
            self._size -= entry.size
        await self._observer.on_evict(key, entry.value)
    ```

    ## Fix safety
    This fix is unsafe in ruff's terms. The awaited call now runs after the rest of the critical
    section and after the lock is released, which is the point of the fix: if the callee reads or
    changes the state the lock protects, it now sees the state the whole critical section left
    (not the state at its old position) and another task may take the lock before or while it runs.
    Arguments are evaluated at the old position when the rest of the block could change them (after a
    `threading.Lock`, and after an earlier moved await, whenever they read more than local variables),
    but an object they refer to that is changed through another name is seen changed. If the rest of the
    critical section raises, the moved awaits do not run. Review each moved call with these in mind.
    """

    name = "lock-await"
    fix_safety = UNSAFE
    summary = "Move awaits out of `async with lock:` blocks so the lock is not held across them."
    prefilter = (b"async",)
    option_defaults = {"lock-patterns": ["*lock*", "*mutex*"]}

    def wants(self, data: bytes) -> bool:
        return b"async" in data and b"with" in data

    @property
    def patterns(self) -> list[str]:
        pats = self.options.get("lock-patterns")
        if isinstance(pats, str):  # from the command line: comma-separated
            pats = [p.strip() for p in pats.split(",") if p.strip()]
        return list(pats or [])

    def index(self, src: SourceInfo, tree: ast.Module) -> Any:
        return tuple(_index_blocks(tree, self.patterns)) or None

    def rewrite(self, module: cst.Module, file_plan: Any, ctx: RewriteContext) -> cst.Module:
        wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
        analyzer = _Analyzer(wrapper, self.patterns, ctx)
        _MEMO.clear()
        try:
            wrapper.visit(analyzer)
        finally:
            _MEMO.clear()
        if not analyzer.edits:
            return module
        return wrapper.module.visit(_Apply(analyzer.edits, analyzer.replace))


# --------------------------------------------------------------------------------------------
# analysis on the original tree (metadata), then one transformer pass applies the edits


class _Analyzer(cst.CSTVisitor):
    METADATA_DEPENDENCIES = (PositionProvider, ScopeProvider, QualifiedNameProvider)

    def __init__(self, wrapper: cst.MetadataWrapper, patterns: Sequence[str], ctx: RewriteContext) -> None:
        super().__init__()
        self.module = wrapper.module
        self.patterns = patterns
        self.ctx = ctx
        self.code = self.module.code_for_node
        self.functions: list[cst.FunctionDef] = []
        self.classes: list[dict[str, str]] = []
        self.owners: list[Optional[cst.With]] = [None]  # per function: the lock block being inside
        self.edits: dict[cst.With, _BlockEdit] = {}
        self.replace: dict[cst.CSTNode, cst.CSTNode] = {}
        self.lock_targets: dict[cst.CSTNode, str] = {}  # Name (or Param) nodes bound to a lock -> kind
        self.class_locks: dict[cst.ClassDef, dict[str, str]] = {}  # attributes known to hold a lock
        self.chosen: set[str] = set()  # names this file's edits introduced
        self.globals: set[str] = set()
        self.params: dict[str, tuple[str, ...]] = {}
        self.loops: list[cst.CSTNode] = []
        self._stored: Optional[frozenset[str]] = None

    # -- collecting locks and names ------------------------------------------------------------
    def _kind_of_call(self, node: cst.BaseExpression) -> Optional[str]:
        if isinstance(node, cst.Call):
            for qn in self.get_metadata(QualifiedNameProvider, node.func, set()):
                if qn.name in LOCK_TYPES:
                    return LOCK_TYPES[qn.name]
        return None

    def _kind_of_annotation(self, node: cst.CSTNode) -> Optional[str]:
        for sub in m.findall(node, m.Name() | m.Attribute()):
            for qn in self.get_metadata(QualifiedNameProvider, sub, set()):
                if qn.name in LOCK_TYPES:
                    return LOCK_TYPES[qn.name]
        return None

    def visit_Module(self, node: cst.Module) -> None:
        scope = self.get_metadata(ScopeProvider, node, None)
        if scope is not None:
            self.globals = {a.name for a in scope.assignments} | {a.node.value for a in scope.accesses if isinstance(a.node, cst.Name)}
        found = _Bindings()
        node.visit(found)
        # positional parameter names of every function of the module, to name captured arguments
        for fn in found.functions:
            names = [p.name.value for p in (*fn.params.posonly_params, *fn.params.params)]
            if names and names[0] in ("self", "cls"):
                names = names[1:]
            known = self.params.setdefault(fn.name.value, tuple(names))
            if known != tuple(names):
                self.params[fn.name.value] = ()
            # parameters annotated as locks: `async def f(guard: asyncio.Lock)`
            for param in (*fn.params.posonly_params, *fn.params.params, *fn.params.kwonly_params):
                if param.annotation is not None:
                    kind = self._kind_of_annotation(param.annotation.annotation)
                    if kind is not None:
                        self.lock_targets[param] = kind
        # every binding of a name or attribute to a lock, before any block is looked at
        for assign, cls in found.assigns:
            kind = None
            if isinstance(assign, cst.AnnAssign):
                kind = self._kind_of_annotation(assign.annotation)
                targets = [assign.target]
            else:
                targets = [t.target for t in assign.targets]
            if assign.value is not None:
                kind = self._kind_of_call(assign.value) or kind
            if kind is None:
                continue
            for target in targets:
                if isinstance(target, cst.Name):
                    self.lock_targets[target] = kind
                if cls is not None:
                    if m.matches(target, m.Attribute(value=m.Name("self") | m.Name("cls"))):
                        self.class_locks.setdefault(cls, {})[target.attr.value] = kind
                    elif isinstance(target, cst.Name):
                        self.class_locks.setdefault(cls, {})[target.value] = kind

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(self.class_locks.get(node, {}))

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(node)
        self.owners.append(None)
        self.loops.append(node)  # a marker: loops are counted from the innermost function

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.functions.pop()
        self.owners.pop()
        self.loops.pop()

    def visit_For(self, node: cst.For) -> None:
        self.loops.append(node)

    def leave_For(self, original_node: cst.For) -> None:
        self.loops.pop()

    def visit_While(self, node: cst.While) -> None:
        self.loops.append(node)

    def leave_While(self, original_node: cst.While) -> None:
        self.loops.pop()

    def _lock_kind(self, expr: cst.BaseExpression) -> Optional[str]:
        """The kind of lock `expr` is, or None when it is not known to be a lock."""
        if isinstance(expr, cst.Name):
            scope = self.get_metadata(ScopeProvider, expr, None)
            if scope is not None and expr.value in scope:
                kinds = {
                    self.lock_targets.get(a.node) if isinstance(a, Assignment) else None
                    for a in scope[expr.value]
                }
                if len(kinds) == 1 and None not in kinds:
                    return kinds.pop()
        elif m.matches(expr, m.Attribute(value=m.Name("self") | m.Name("cls"))) and self.classes:
            kind = self.classes[-1].get(expr.attr.value)
            if kind:
                return kind
        if _matches(_last_name_cst(expr), self.patterns) and isinstance(expr, (cst.Name, cst.Attribute, cst.Subscript)):
            return "named"
        return None

    # -- lock blocks -----------------------------------------------------------------------------
    def visit_With(self, node: cst.With) -> Optional[bool]:
        fn = self.functions[-1] if self.functions else None
        if fn is None or fn.asynchronous is None or self.owners[-1] is not None:
            return None  # not in an async def, or inside a lock block the outer block reports on
        kinds = [self._lock_kind(item.item) for item in node.items]
        if not any(kinds):
            return None
        if node.asynchronous is not None and "thread-lock" in kinds:
            return None  # `async with` on a threading lock does not run at all
        if node.asynchronous is None and any(k not in (None, "thread-lock", "named") for k in kinds):
            return None
        self.owners[-1] = node
        self._block(node, fn, next(k for k in kinds if k))
        return None

    def leave_With(self, original_node: cst.With) -> None:
        if self.owners[-1] is original_node:
            self.owners[-1] = None

    def _pos(self, node: cst.CSTNode) -> tuple[int, int]:
        p = self.get_metadata(PositionProvider, node).start
        return p.line, p.column + 1

    def stored_attributes(self) -> frozenset[str]:
        """Names assigned as `self.NAME = ...` / `cls.NAME = ...` anywhere in the module (stored values,
        such as callbacks, as opposed to methods)."""
        if self._stored is None:
            target = m.Attribute(value=m.Name("self") | m.Name("cls"))
            found = m.findall(self.module, m.AssignTarget(target=target) | m.AnnAssign(target=target))
            self._stored = frozenset(
                (node.target if isinstance(node, cst.AnnAssign) else node.target).attr.value for node in found
            )
        return self._stored

    def _skip(self, node: cst.CSTNode, reason: str) -> None:
        self.ctx.skip(*self._pos(node), reason)

    def _block(self, node: cst.With, fn: cst.FunctionDef, kind: str) -> None:
        lock = node.items[0].item if len(node.items) == 1 else None
        header = "`{} {}`".format("async with" if node.asynchronous else "with", self.code(lock)) if lock else "the lock block"
        collector = _Sites()
        node.body.visit(collector)
        if not collector.found:
            return
        sites: list[_Site] = []
        body = node.body
        stmts = list(body.body) if isinstance(body, cst.IndentedBlock) else []
        for found, path in collector.found:
            top = next((i for i, s in enumerate(stmts) if s in path), -1) if stmts else -1
            sites.append(_Site(found, top, path))

        def skip_all(reason: str) -> None:
            for site in sites:
                self._skip(site.node, reason)

        if not isinstance(body, cst.IndentedBlock):
            return skip_all(f"the await is on the same line as {header}; not rewritten")
        if len(node.items) != 1:
            return skip_all("the `with` statement holds several context managers; not rewritten")
        if kind == "semaphore":
            return skip_all(
                f"`{self.code(lock)}` is a semaphore: it exists to bound how many tasks run this await at once"
            )
        for call in m.findall(body, m.Call(func=m.Attribute(attr=m.Name("release") | m.Name("acquire")))):
            if self.code(call.func.value) == self.code(lock):
                return skip_all(f"{header} releases or acquires `{self.code(lock)}` itself inside the block; not rewritten")
        scope = self.get_metadata(ScopeProvider, stmts[0], None)
        in_loop = bool(self.loops) and not isinstance(self.loops[-1], cst.FunctionDef)
        block = _Block(self, node, fn, lock, header, stmts, sites, scope, in_loop, kind)
        block.run()


class _Bindings(cst.CSTVisitor):
    """One pass over the module: every function, and every assignment with its innermost class."""

    def __init__(self) -> None:
        self.functions: list[cst.FunctionDef] = []
        self.assigns: list[tuple[cst.Assign | cst.AnnAssign, Optional[cst.ClassDef]]] = []
        self.classes: list[Optional[cst.ClassDef]] = [None]

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(node)

    def visit_Assign(self, node: cst.Assign) -> None:
        self.assigns.append((node, self.classes[-1]))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        self.assigns.append((node, self.classes[-1]))


_LOCK_WORDS = {"lock", "locks", "mutex", "rlock", "cond", "condition", "sem", "semaphore", "guard", "the", "a"}


def _name_words(name: str) -> set[str]:
    """`_send_lock` -> {send, lock}; `sendFrameLock` -> {send, frame, lock}."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return {w for w in spaced.lower().split("_") if len(w) > 1}


def _words(text: str) -> str:
    return text.strip("_").lower() or "value"


class _Block:
    """The authoritative analysis of one lock block and its edit."""

    def __init__(self, an: _Analyzer, node: cst.With, fn, lock, header, stmts, sites, scope, in_loop, kind) -> None:
        self.an = an
        self.node = node
        self.fn = fn
        self.lock = lock
        self.lock_text = an.code(lock)
        self.header = header
        self.stmts = stmts
        self.sites = sites
        self.scope: Optional[Scope] = scope
        self.in_loop = in_loop
        self.kind = kind
        self.code = an.code
        self.threads = kind == "thread-lock" or (kind == "named" and node.asynchronous is None)
        # names a new local must not shadow: the enclosing functions', the module's, builtins
        self.taken = set(_BUILTINS) | an.globals | an.chosen | _reads(an.functions[0])

    # -- small predicates --------------------------------------------------------------------
    def is_local(self, name: str) -> bool:
        return self.scope is not None and name in self.scope.assignments and name not in ("None", "True", "False")

    def local_only(self, node: cst.CSTNode) -> bool:
        """An expression built from local names and constants with operators only."""
        if _is_constant(node):
            return True
        if isinstance(node, cst.Name):
            return self.is_local(node.value)
        if isinstance(node, cst.BinaryOperation):
            return self.local_only(node.left) and self.local_only(node.right)
        if isinstance(node, cst.UnaryOperation):
            return self.local_only(node.expression)
        if isinstance(node, cst.BooleanOperation):
            return self.local_only(node.left) and self.local_only(node.right)
        if isinstance(node, cst.Comparison):
            return self.local_only(node.left) and all(self.local_only(c.comparator) for c in node.comparisons)
        if isinstance(node, (cst.Tuple, cst.List, cst.Set)):
            return all(not isinstance(e, cst.StarredElement) and self.local_only(e.value) for e in node.elements)
        if isinstance(node, cst.FormattedString):
            return all(
                isinstance(p, cst.FormattedStringText) or (p.format_spec is None and self.local_only(p.expression))
                for p in node.parts
            )
        return False

    def local_statement(self, stmt: cst.BaseStatement) -> bool:
        if not isinstance(stmt, cst.SimpleStatementLine):
            return False
        for small in stmt.body:
            if isinstance(small, (cst.Pass, cst.Break, cst.Continue)):
                continue
            if isinstance(small, cst.Return):
                if small.value is None or self.local_only(small.value):
                    continue
                return False
            if isinstance(small, cst.Assign):
                if all(self._local_target(t.target) for t in small.targets) and self.local_only(small.value):
                    continue
                return False
            if isinstance(small, cst.AugAssign):
                if isinstance(small.target, cst.Name) and self.is_local(small.target.value) and self.local_only(small.value):
                    continue
                return False
            return False
        return True

    def _local_target(self, target: cst.BaseExpression) -> bool:
        if isinstance(target, cst.Name):
            return self.is_local(target.value)
        if isinstance(target, (cst.Tuple, cst.List)):
            return all(not isinstance(e, cst.StarredElement) and self._local_target(e.value) for e in target.elements)
        return False

    def on_lock(self, await_node: cst.Await) -> Optional[str]:
        expr = await_node.expression
        if isinstance(expr, cst.Call):
            expr = expr.func
        target = expr.value if isinstance(expr, cst.Attribute) else expr
        if self.code(target) == self.lock_text:
            if isinstance(expr, cst.Attribute) and expr.attr.value in ("wait", "wait_for"):
                return f"`await {_short(self.code(await_node.expression))}` releases the condition while it waits and must run inside {self.header}"
            return f"awaits the lock `{self.lock_text}` itself"
        if any(_chain(n, self.code) == self.lock_text for n in m.findall(await_node, m.Name() | m.Attribute() | m.Subscript())):
            return f"uses the lock `{self.lock_text}` itself; it stays inside {self.header}"
        return self.owner_operation(await_node)

    def named_after(self, call: cst.BaseExpression) -> Optional[str]:
        """A lock named after the awaited operation (`_send_lock` and `await send(...)`, `write_lock` and
        `await self._writer.write_frame(...)`) exists to serialize it (sse-starlette's `_send_lock`)."""
        if self.lock is None or not isinstance(call, cst.Call):
            return None
        func = call.func
        name = func.attr.value if isinstance(func, cst.Attribute) else func.value if isinstance(func, cst.Name) else None
        last = self.lock.attr.value if isinstance(self.lock, cst.Attribute) else self.lock.value if isinstance(self.lock, cst.Name) else None
        if not name or not last:
            return None
        lock_words = _name_words(last) - _LOCK_WORDS
        shared = sorted(lock_words & _name_words(name))
        if not shared:
            return None
        return (
            f"`{self.lock_text}` is named after the awaited `{_short(self.code(call))}` ({shared[0]}): "
            f"it exists to serialize that operation, so it stays inside {self.header}"
        )

    def owner_operation(self, await_node: cst.Await) -> Optional[str]:
        """An awaited method of the object that owns the lock (`self._lock` and `await self.read_reply()`,
        `await super().__aexit__(...)`) is likely the very operation the lock serializes: a command and its
        reply, a refresh that other tasks must wait for, a teardown guarded by a reference count. Callbacks
        stored on the object (`self._on_evict = on_evict`) and other objects' methods are not."""
        lock = self.lock
        call = await_node.expression
        named = self.named_after(call)
        if named:
            return named
        if lock is None or not m.matches(lock, m.Attribute(value=m.Name("self") | m.Name("cls"))):
            return None
        if not isinstance(call, cst.Call) or not isinstance(call.func, cst.Attribute):
            return None
        receiver, name = call.func.value, call.func.attr.value
        if m.matches(receiver, m.Call(func=m.Name("super"))):
            pass
        elif not m.matches(receiver, m.Name("self") | m.Name("cls")) or name in self.an.stored_attributes():
            return None
        return (
            f"`await {_short(self.code(call))}` is an operation of the object that owns `{self.lock_text}`: "
            f"the lock may exist to serialize it, so it stays inside {self.header}"
        )

    def fresh(self, *candidates: Optional[str]) -> str:
        """The first candidate no name in the module uses (else the first, numbered)."""
        names = [c for c in candidates if c and c.isidentifier()] or ["value"]
        name = next((c for c in names if c not in self.taken), None)
        n = 2
        while name is None or name in self.taken:
            name, n = f"{names[0]}_{n}", n + 1
        self.taken.add(name)
        self.an.chosen.add(name)
        return name

    def param_name(self, callee: cst.BaseExpression, args: Sequence[cst.Arg], index: int) -> Optional[str]:
        """The callee's parameter an argument binds: its keyword, or the name in a `def` of this module."""
        arg = args[index]
        if arg.keyword is not None:
            return arg.keyword.value
        if arg.star or any(a.star or a.keyword for a in args[:index]):
            return None
        params = self.an.params.get(_last_name_cst(callee) or "")
        if params and index < len(params) and len(params[index]) >= 3 and not params[index].startswith("_"):
            return params[index]
        return None

    def line(self, node: cst.CSTNode) -> int:
        return self.an._pos(node)[0]

    # -- classification ----------------------------------------------------------------------
    def await_statement(self, stmt: cst.BaseStatement) -> Optional[cst.Await]:
        """`await f(...)`, `x = await f(...)` or `return await f(...)` alone on a line."""
        if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            return None
        small = stmt.body[0]
        if isinstance(small, cst.Expr) and isinstance(small.value, cst.Await):
            return small.value
        if isinstance(small, cst.Return) and isinstance(small.value, cst.Await):
            return small.value
        if isinstance(small, cst.Assign) and isinstance(small.value, cst.Await):
            if all(self._local_target(t.target) for t in small.targets):
                return small.value
        return None

    def site_reason(self, site: _Site) -> Optional[str]:
        """Why a site cannot move, wherever it sits in the block (None: it may)."""
        node = site.node
        if not isinstance(node, cst.Await):
            if isinstance(node, cst.For):
                return f"`async for` awaits on every iteration inside {self.header}; not moved"
            if isinstance(node, cst.With):
                if any(self.an._lock_kind(item.item) for item in node.items):
                    return f"takes a second lock `{self.code(node.items[0].item)}` inside {self.header}: nested locks are not rewritten"
                return f"a nested `async with` inside {self.header}; not moved"
            return f"an async comprehension inside {self.header}; not moved"
        reason = self.on_lock(node)
        if reason:
            return reason
        for anc in site.path:
            if isinstance(anc, cst.Try) or isinstance(anc, cst.TryStar):
                return f"inside `try` within {self.header}: moving it would change which handler sees its exceptions"
            if isinstance(anc, cst.With):
                kind = self.an._lock_kind(anc.items[0].item) if anc.items else None
                if kind:
                    return f"under two locks (`{self.lock_text}` and `{self.code(anc.items[0].item)}`): nested locks are not rewritten"
                what = "async with" if anc.asynchronous else "with"
                return f"inside a nested `{what}` within {self.header}; not moved"
            if isinstance(anc, cst.For) and anc.asynchronous is not None:
                return f"inside `async for` within {self.header}; not moved"
            if isinstance(anc, (cst.Match,)):
                return f"inside `match` within {self.header}; not moved"
        for other in self.sites:
            if other.node is not node and isinstance(other.node, cst.Await) and node in _descendants_of(other.node):
                return "nested inside another await; not moved"
        return None

    # -- the block -----------------------------------------------------------------------------
    def run(self) -> None:
        reasons: dict[cst.CSTNode, str] = {}
        for site in self.sites:
            r = self.site_reason(site)
            if r:
                reasons[site.node] = r
        barrier = max((s.top for s in self.sites if s.node in reasons), default=-1)
        taken, chosen = set(self.taken), set(self.an.chosen)
        while True:
            try:
                plan = self.plan(barrier + 1, reasons)
                break
            except _Fail as fail:
                for site in (fail.site, *fail.also):
                    reasons.setdefault(site, fail.reason)
                barrier = fail.index
                self.taken, self.an.chosen = set(taken), set(chosen)
        # every site at or before the barrier stays
        moved_sites = set()
        if plan is not None:
            for item in plan.moved:
                if item.await_node is not None:
                    moved_sites.add(item.await_node)
        for site in self.sites:
            if site.node in moved_sites:
                continue
            reason = reasons.get(site.node)
            if reason is None:
                blocker = next(
                    (s for s in self.sites if s.top >= site.top and s.node in reasons and s.node is not site.node), None
                )
                if blocker is not None:
                    reason = (
                        f"a later await (line {self.line(blocker.node)}) stays inside {self.header}; "
                        "moving this one would run it after that one"
                    )
                else:
                    reason = f"cannot prove it safe to move out of {self.header}"
            self.an._skip(site.node, reason)
        if plan is None or not moved_sites:
            return
        for item in plan.moved:
            if item.await_node is not None:
                line, col = self.an._pos(item.await_node)
                self.an.ctx.change(
                    line, col, f"moved `await {_short(self.code(item.await_node.expression))}` after {self.header}: it now runs after the lock is released"
                )
        self.an.edits[self.node] = plan
        self.an.replace.update(plan.replace)

    def plan(self, start: int, reasons: dict[cst.CSTNode, str]) -> Optional[_BlockEdit]:
        stmts = self.stmts
        moved: list[_Moved | _Collected] = []
        bound: dict[str, _Moved] = {}  # names bound by moved statements -> the statement
        sites_by_top: dict[int, list[_Site]] = {}
        for site in self.sites:
            sites_by_top.setdefault(site.top, []).append(site)

        def first_await() -> cst.Await:
            return next(x.await_node for x in moved if x.await_node is not None)

        for i in range(start, len(stmts)):
            stmt = stmts[i]
            here = sites_by_top.get(i, [])
            aw = self.await_statement(stmt)
            if aw is not None and len(here) == 1 and here[0].node is aw:
                item = _Moved(i, stmt, aw)
                small = stmt.body[0]
                if isinstance(small, cst.Assign):
                    for name in _effects([stmt], self.code).names:
                        bound[name] = item
                if isinstance(small, cst.Return) and i != len(stmts) - 1:
                    raise _Fail(i, aw, f"statements after this `return` inside {self.header} are unreachable; not moved")
                moved.append(item)
                continue
            if here and all(s.node not in reasons for s in here) and isinstance(stmt, (cst.For, cst.While, cst.If)):
                if self.movable_if(i, stmt, here):
                    item = _Moved(i, stmt, here[0].node, whole=True)
                    for name in _effects([stmt], self.code).names:
                        bound[name] = item
                    moved.append(item)
                    continue
                self.check_stays(i, stmt, bound, moved)  # the loop/if itself stays under the lock
                moved.append(self.collect(i, stmt, here))
                continue
            if here:
                # an await this block cannot move: it is a barrier for the ones before it
                bad = next((s for s in here if s.node in reasons), here[0])
                raise _Fail(i, bad.node, reasons.get(bad.node) or self.embedded_reason(bad))
            if moved and self.local_statement(stmt):
                reads = _reads(stmt)
                writes = _effects([stmt], self.code).names
                exits = any(isinstance(small, (cst.Return, cst.Break, cst.Continue)) for small in stmt.body)
                if reads & set(bound) or writes & set(bound) or exits:
                    if exits and i != len(stmts) - 1:
                        raise _Fail(i, first_await(), f"statements after line {self.line(stmt)} inside {self.header} are unreachable; not moved")
                    item = _Moved(i, stmt, None)
                    for name in writes:
                        bound[name] = item
                    moved.append(item)
                    continue
            # the statement stays under the lock, and now runs before every moved statement
            if not moved:
                continue
            ret = self.final_return(i, stmt, moved, bound)
            if ret is not None:
                item = _Moved(i, stmt, None, [(ret, self.fresh(self.capture_name(ret, "result")))])
                moved.append(item)
                continue
            self.check_stays(i, stmt, bound, moved)
        if not moved:
            return None
        return self.check_kept(moved)

    def check_stays(self, i: int, stmt: cst.BaseStatement, bound: dict[str, _Moved], moved: list) -> None:
        """A statement that stays under the lock runs before every moved one: it must not need them."""

        def first_await() -> cst.Await:
            return next(x.await_node for x in moved if x.await_node is not None)

        if not moved:
            return
        used = _reads(stmt) & set(bound)
        if used:
            name = sorted(used)[0]
            producer = bound[name]
            if producer.await_node is not None:
                raise _Fail(
                    producer.index, producer.await_node,
                    f"its result `{name}` is used inside {self.header} (line {self.line(stmt)})",
                )
            raise _Fail(i, first_await(), f"`{name}`, computed from its result, is used inside {self.header} (line {self.line(stmt)})")
        overwritten = _effects([stmt], self.code).names & set(bound)
        if overwritten:
            name = sorted(overwritten)[0]
            raise _Fail(i, first_await(), f"`{name}` is assigned again inside {self.header} (line {self.line(stmt)}) after this await")
        exit_node = _first_exit([stmt])
        if exit_node is not None:
            raise _Fail(
                i, first_await(),
                f"the rest of {self.header} may leave it early (line {self.line(exit_node)}), "
                "which would skip the await once moved after the block",
            )

    def check_kept(self, moved: list) -> _BlockEdit:
        stmts = self.stmts

        def first_await() -> cst.Await:
            return next(x.await_node for x in moved if x.await_node is not None)

        # the lock must still protect something besides the awaits
        moved_idx = {x.index for x in moved if isinstance(x, _Moved)}
        kept = []
        for i, stmt in enumerate(stmts):
            if i in moved_idx:
                continue
            collected = next((x for x in moved if isinstance(x, _Collected) and x.index == i), None)
            kept.append(stmt.deep_replace(collected.expr_stmt, cst.Pass()) if collected else stmt)
        # (awaits that stay do not count: a lock held only around awaits serializes them)
        if not any(self.touches_shared_state(s) for s in kept if self.await_statement(s) is None):
            raise _Fail(
                moved[-1].index, first_await(),
                f"{self.header} holds the lock only around its awaits: the lock serializes them, so they stay",
                also=[x.await_node for x in moved if x.await_node is not None],
            )
        return self.finish(moved)

    def movable_if(self, i: int, stmt: cst.BaseStatement, here: list[_Site]) -> bool:
        """`if <locals>: await f(<locals>)`: the whole `if` can run after the block as it is."""
        if not isinstance(stmt, cst.If) or stmt.orelse is not None or len(here) != 1:
            return False
        aw = here[0].node
        later = _effects(self.stmts[i + 1 :], self.code)
        if not self.local_only(stmt.test) or _reads(stmt.test) & later.names:
            return False
        if not isinstance(stmt.body, cst.IndentedBlock):
            return False
        awaits = [s for s in stmt.body.body if self.await_statement(s) is aw]
        if len(awaits) != 1 or not isinstance(awaits[0].body[0], cst.Expr) or not isinstance(aw.expression, cst.Call):
            return False
        if any(s is not awaits[0] and not self.local_statement(s) for s in stmt.body.body):
            return False
        if _first_exit([stmt]) is not None:
            return False
        call = aw.expression
        callee = call.func
        base = _chain(callee.value if isinstance(callee, cst.Attribute) else callee, self.code)
        if base is None or _reads(callee) & later.names:
            return False
        if any(p == base or (base.startswith(p) and base[len(p)] in ".[") for p in later.stores):
            return False
        for arg in call.args:
            if arg.star or not self.stable(arg.value, later, strict=True):
                return False
            path = _chain(arg.value, self.code)
            if path is not None and self._mutates(later, path):
                return False
        return True

    def final_return(self, i: int, stmt: cst.BaseStatement, moved: list, bound: dict) -> Optional[cst.BaseExpression]:
        """`return <expr>` ending the block after moved awaits: its value can be computed under the lock
        when it reads only local variables the moved awaits are not given (and builtins)."""
        if i != len(self.stmts) - 1 or not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
            return None
        ret = stmt.body[0]
        if not isinstance(ret, cst.Return) or ret.value is None:
            return None
        given: set[str] = set()
        for x in moved:
            if x.await_node is not None:
                given |= _reads(x.await_node)
        reads = _reads(ret.value)
        if reads & given or reads & set(bound) or any(not self.is_local(n) and n not in _BUILTINS for n in reads):
            return None
        if any(self.is_local(n) for n in reads & _BUILTINS):
            return None
        if m.findall(ret.value, m.Await() | m.Yield() | m.NamedExpr() | m.Lambda()):
            return None
        return ret.value

    def touches_shared_state(self, stmt: cst.BaseStatement) -> bool:
        eff = _effects([stmt], self.code)
        if eff.heap or any(not self.is_local(n) for n in eff.names):
            return True
        if _accesses(stmt):
            return True
        return any(not self.is_local(n) and n not in _BUILTINS for n in _reads(stmt))

    def embedded_reason(self, site: _Site) -> str:
        node = site.node
        if isinstance(node, cst.Await):
            small = next((a for a in reversed(site.path) if isinstance(a, cst.BaseSmallStatement)), None)
            parent = site.path[-1] if site.path else None
            if isinstance(parent, (cst.If, cst.While)) and parent.test is node:
                return f"its result decides a condition inside {self.header}"
            top = self.stmts[site.top] if site.top >= 0 else None
            if isinstance(top, cst.SimpleStatementLine) and len(top.body) > 1:
                return f"shares its line with other statements (`;`) inside {self.header}; not rewritten"
            if isinstance(small, cst.Expr) and small.value is node:
                if not isinstance(node.expression, cst.Call):
                    return f"awaits an expression, not a call, inside a loop or `if` of {self.header}; not moved"
                return f"cannot prove it safe to move out of {self.header}"
            if isinstance(small, (cst.Assign, cst.AugAssign, cst.AnnAssign)):
                return f"its result is stored inside {self.header}, and the critical section uses it"
            if isinstance(small, cst.Return):
                return f"its result is returned from inside a loop or `if` of {self.header}"
            return f"its result is used inside {self.header}"
        return f"cannot prove it safe to move out of {self.header}"

    def collect(self, index: int, stmt: cst.BaseStatement, here: list[_Site]) -> _Collected:
        site = here[0]
        node = site.node
        if len(here) != 1:
            raise _Fail(index, here[-1].node, f"several awaits in one loop or `if` of {self.header}; not moved")
        parent = site.path[-1] if site.path else None
        if not isinstance(parent, cst.Expr) or parent.value is not node or not isinstance(node.expression, cst.Call):
            raise _Fail(index, node, self.embedded_reason(site))
        exit_node = _first_exit([stmt])
        if exit_node is not None and not isinstance(exit_node, (cst.Break, cst.Continue)):
            raise _Fail(
                index, node,
                f"the loop or `if` around it may leave {self.header} early (line {self.line(exit_node)}), "
                "which would skip the await once moved after the block",
            )
        if exit_node is not None:
            raise _Fail(
                index, node,
                f"`{self.code(exit_node).strip()}` (line {self.line(exit_node)}) leaves {self.header} "
                "from inside the loop or `if`; not moved",
            )
        if isinstance(stmt, cst.While) and any(isinstance(a, cst.While) and a is stmt for a in site.path):
            pass
        return _Collected(index, node, parent)

    # -- turning the decisions into an edit --------------------------------------------------
    def finish(self, moved: list[_Moved | _Collected]) -> _BlockEdit:
        stmts = self.stmts
        code = self.code
        replace: dict[cst.CSTNode, cst.CSTNode] = {}
        pre: list[cst.BaseStatement] = []
        moved_idx = {x.index for x in moved if isinstance(x, _Moved)}
        suspends = False
        for item in moved:
            if isinstance(item, _Moved) and item.whole:
                suspends = True
                continue
            if isinstance(item, _Collected):
                loop = stmts[item.index].deep_replace(item.expr_stmt, cst.Pass())
                after = [loop] + [stmts[j] for j in range(item.index + 1, len(stmts)) if j not in moved_idx]
            else:
                after = [stmts[j] for j in range(item.index + 1, len(stmts)) if j not in moved_idx]
            eff = _effects(after, code)
            if item.await_node is None:
                # a plain statement that follows the awaits: what it reads must not change meanwhile
                bound_before = _effects([x.stmt for x in moved if isinstance(x, _Moved) and x.index < item.index], code).names
                changed = (_reads(item.stmt) - bound_before) & eff.names
                if changed:
                    raise _Fail(
                        item.index, next(x.await_node for x in moved if x.await_node is not None),
                        f"line {self.line(item.stmt)} would have to move after the block too, but it reads "
                        f"`{sorted(changed)[0]}`, which the rest of {self.header} changes",
                    )
                for value, name in item.captures:
                    replace[value] = cst.Name(name)
                continue
            call = item.await_node.expression
            callee = call.func if isinstance(call, cst.Call) else call
            args = list(call.args) if isinstance(call, cst.Call) else []
            base = callee.value if isinstance(callee, cst.Attribute) else callee
            base_path = _chain(base, code)
            if base_path is None:
                if after:
                    raise _Fail(item.index, item.await_node, f"the awaited expression is too complex to move out of {self.header}")
            elif any(p == base_path or (base_path.startswith(p) and base_path[len(p)] in ".[") for p in eff.stores):
                raise _Fail(item.index, item.await_node, f"the rest of {self.header} changes `{base_path}`, which the awaited call uses")
            if isinstance(item, _Moved) and _reads(callee) & eff.names:
                name = sorted(_reads(callee) & eff.names)[0]
                raise _Fail(item.index, item.await_node, f"the rest of {self.header} assigns `{name}`, which the awaited call uses")
            for arg in args:
                path = _chain(arg.value, code)
                if path is not None and not _is_constant(arg.value) and self._mutates(eff, path):
                    raise _Fail(
                        item.index, item.await_node,
                        f"the rest of {self.header} changes the object `{path}` after the await's position, and the awaited call receives it",
                    )
                if arg.star and isinstance(item, _Moved) and not self.stable(arg.value, eff):
                    raise _Fail(item.index, item.await_node, f"an unpacked argument the rest of {self.header} may change; not moved")
            if isinstance(item, _Moved):
                earlier = _effects([x.stmt for x in moved if isinstance(x, _Moved) and x.index < item.index], code).names
                for k, arg in enumerate(args):
                    if not self.stable(arg.value, eff, strict=suspends):
                        if _reads(arg.value) & earlier:
                            raise _Fail(
                                item.index, item.await_node,
                                f"its argument `{_short(code(arg.value))}` needs the result of an earlier await and "
                                f"reads state that may change once the lock is released; not moved",
                            )
                        param = self.param_name(callee, args, k)
                        if isinstance(arg.value, cst.Name):
                            name = self.fresh(self.capture_name(arg.value), param)
                        else:
                            name = self.fresh(param, self.capture_name(arg.value))
                        item.captures.append((arg.value, name))
                for value, name in item.captures:
                    replace[value] = cst.Name(name)
            else:
                self.collect_edit(item, callee, args, eff, pre, replace)
            suspends = True  # the awaits after this one may find the shared state changed
        return _BlockEdit(pre, moved, replace)

    @staticmethod
    def _mutates(eff: "_Effects", path: str) -> bool:
        """The statements may change the object at `path`: store below it or call a method on it."""
        below = lambda p: p.startswith(path) and len(p) > len(path) and p[len(path)] in ".["
        return any(below(p) for p in eff.stores) or any(p == path or below(p) for p in eff.receivers)

    def stable(self, expr: cst.BaseExpression, eff: _Effects, strict: bool = False) -> bool:
        """The expression has the same value after the block as at the await's position.

        ``strict``: other tasks (or threads) may run before it is evaluated, so only local variables
        the rest of the block does not rebind, and constants, count.
        """
        strict = strict or self.threads
        if _is_constant(expr):
            return True
        if isinstance(expr, cst.Name):
            if expr.value in eff.names:
                return False
            return self.is_local(expr.value) or (not strict and not eff.heap)
        if isinstance(expr, (cst.BinaryOperation, cst.UnaryOperation, cst.BooleanOperation, cst.Comparison, cst.Tuple)):
            return all(self.stable(c, eff, strict) for c in _operands(expr))
        if strict:
            return False
        return not eff.heap and not (_reads(expr) & eff.names)

    def capture_name(self, expr: cst.BaseExpression, default: str = "value") -> str:
        if isinstance(expr, cst.Name):
            return f"old_{_words(expr.value)}"
        if isinstance(expr, cst.Attribute):
            if isinstance(expr.value, cst.Name) and expr.value.value not in ("self", "cls"):
                return f"{_words(expr.value.value)}_{_words(expr.attr.value)}"
            return _words(expr.attr.value)
        if isinstance(expr, cst.Subscript):
            inner = _last_name_cst(expr.value)
            return f"{_words(inner)}_item" if inner else "item"
        if isinstance(expr, cst.BinaryOperation):
            if _is_constant(expr.right) and not _is_constant(expr.left):
                return self.capture_name(expr.left, default)
            if _is_constant(expr.left) and not _is_constant(expr.right):
                return self.capture_name(expr.right, default)
            return {cst.Add: "total", cst.Subtract: "difference"}.get(type(expr.operator), default)
        if isinstance(expr, cst.Call):
            fname = _last_name_cst(expr.func)
            if isinstance(expr.func, cst.Attribute) and fname in ("get", "pop", "setdefault", "copy"):
                inner = _last_name_cst(expr.func.value)
                return f"{_words(inner)}_item" if inner and fname != "copy" else f"{_words(inner or 'value')}_copy"
            if fname and fname.startswith("get_") and len(fname) > 4:
                return _words(fname[4:])
            if fname == "len":
                arg = expr.args[0].value if expr.args else None
                inner = _last_name_cst(arg) if arg is not None else None
                return f"{_words(inner)}_count" if inner else "count"
            return _words(fname) if fname else default
        return default

    def collect_edit(self, item: _Collected, callee, args, eff: _Effects, pre, replace) -> None:
        """`await f(a, b)` in a loop/if becomes `pending.append((a, b))`; the calls run after the block."""
        code = self.code
        bound_in_block = _effects(self.stmts, code).names
        outside = self.outside_names()
        elements: list[tuple[cst.BaseExpression, str]] = []
        renamed: dict[str, str] = {}

        def loop_name_for(value: cst.BaseExpression, param: Optional[str] = None) -> str:
            if isinstance(value, cst.Name):
                if value.value in renamed:
                    return renamed[value.value]
                if value.value not in outside and not self.in_loop and self.is_local(value.value):
                    name = value.value  # only used inside the block: the loop after it may reuse it
                    self.taken.add(name)
                else:
                    name = self.fresh(param, f"old_{_words(value.value)}")
                renamed[value.value] = name
            else:
                name = self.fresh(param, self.capture_name(value))
            elements.append((value, name))
            return name

        for name in sorted(_reads(callee) & bound_in_block):
            loop_name_for(cst.Name(name))
        arg_texts = []
        for k, arg in enumerate(args):
            value = arg.value
            if self.stable(value, eff, strict=True) and not (_reads(value) & bound_in_block):
                arg_texts.append(code(arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)).strip())
                continue
            name = loop_name_for(value, self.param_name(callee, args, k))
            arg_texts.append(code(arg.with_changes(value=cst.Name(name), comma=cst.MaybeSentinel.DEFAULT)).strip())
        callee_text = code(callee.visit(_Rename(renamed))) if renamed else code(callee)
        item.list_name = self.fresh(f"pending_{_words(_strip_prefix(_last_name_cst(callee) or 'calls'))}")
        item.elements = elements
        item.call_text = f"await {callee_text}({', '.join(arg_texts)})"
        if len(elements) == 1:
            appended: cst.BaseExpression = elements[0][0]
        elif elements:
            appended = cst.Tuple([cst.Element(v) for v, _ in elements])
        else:
            appended = cst.Name("None")
        append_call = cst.Call(func=cst.Attribute(cst.Name(item.list_name), cst.Name("append")), args=[cst.Arg(appended)])
        replace[item.expr_stmt] = item.expr_stmt.with_changes(value=append_call)
        pre.append(cst.parse_statement(f"{item.list_name} = []\n"))

    def outside_names(self) -> set[str]:
        """Names the function uses outside this block."""
        total = _NameCounter()
        self.fn.body.visit(total)
        block = _NameCounter()
        self.node.body.visit(block)
        return {n for n, c in total.counts.items() if c > block.counts.get(n, 0)} | {
            p.name.value for p in self.fn.params.params
        }


class _NameCounter(cst.CSTVisitor):
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def visit_Name(self, node: cst.Name) -> None:
        self.counts[node.value] = self.counts.get(node.value, 0) + 1


class _Rename(cst.CSTTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        return True

    def leave_Attribute(self, original_node: cst.Attribute, updated_node: cst.Attribute) -> cst.Attribute:
        return updated_node.with_changes(attr=original_node.attr)

    def leave_Name(self, original_node: cst.Name, updated_node: cst.Name) -> cst.Name:
        return updated_node.with_changes(value=self.names.get(original_node.value, original_node.value))


def _strip_prefix(name: str) -> str:
    name = name.strip("_")
    for prefix in ("on_", "notify_", "handle_"):
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix):]
    return name


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _operands(expr: cst.BaseExpression) -> list[cst.BaseExpression]:
    if isinstance(expr, (cst.BinaryOperation, cst.BooleanOperation)):
        return [expr.left, expr.right]
    if isinstance(expr, cst.UnaryOperation):
        return [expr.expression]
    if isinstance(expr, cst.Comparison):
        return [expr.left] + [c.comparator for c in expr.comparisons]
    if isinstance(expr, cst.Tuple):
        return [e.value for e in expr.elements]
    return [expr]


def _descendants_of(node: cst.CSTNode) -> set[cst.CSTNode]:
    out: set[cst.CSTNode] = set()
    todo = list(node.children)
    while todo:
        n = todo.pop()
        out.add(n)
        todo.extend(n.children)
    return out


class _Apply(cst.CSTTransformer):
    """Apply the block edits: captures and collections in place, moved statements after the block."""

    def __init__(self, edits: dict[cst.With, _BlockEdit], replace: dict[cst.CSTNode, cst.CSTNode]) -> None:
        super().__init__()
        self.edits = edits
        self.replace = replace

    def on_leave(self, original_node, updated_node):
        if original_node in self.replace:
            return self.replace[original_node]
        if isinstance(original_node, cst.With) and original_node in self.edits:
            return self._block(original_node, updated_node, self.edits[original_node])
        return super().on_leave(original_node, updated_node)

    def _block(self, original: cst.With, updated: cst.With, edit: _BlockEdit):
        body = list(updated.body.body)
        moved_by_index = {x.index: x for x in edit.moved if isinstance(x, _Moved)}
        new_body: list[cst.BaseStatement] = []
        after: list[cst.BaseStatement] = []
        for i, stmt in enumerate(body):
            item = moved_by_index.get(i)
            if item is None:
                new_body.append(stmt)
                continue
            for value, name in item.captures:
                new_body.append(
                    cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(cst.Name(name))], value)])
                )
            after_stmt = stmt
            after.append(after_stmt)
        # collected calls run after the block, in the order of the block
        ordered: list[tuple[int, cst.BaseStatement]] = []
        moved_stmts = iter(after)
        for x in edit.moved:
            if isinstance(x, _Moved):
                ordered.append((x.index, next(moved_stmts)))
            else:
                targets = ", ".join(name for _, name in x.elements) or "_"
                loop = cst.parse_statement(f"for {targets} in {x.list_name}:\n    {x.call_text}\n")
                loop = loop.with_changes(body=loop.body.with_changes(indent=None))  # the module's indentation
                ordered.append((x.index, loop))
        ordered.sort(key=lambda p: p[0])
        post = [s for _, s in ordered]
        if not new_body:
            new_body = [cst.SimpleStatementLine([cst.Pass()])]
        new_with = updated.with_changes(body=updated.body.with_changes(body=new_body))
        pre = list(edit.pre)
        if pre:
            pre[0] = pre[0].with_changes(leading_lines=new_with.leading_lines)
            new_with = new_with.with_changes(leading_lines=())
        return cst.FlattenSentinel([*pre, new_with, *post])
