"""What is a lock, where awaits run while one is held, and what the module says about each lock.

Everything here reads CPython's ``ast`` (and the source's comments): the index and the rewrite both
build these facts from the text they are given, so they agree on which blocks exist.
"""

from __future__ import annotations

import ast
import fnmatch
import io
import re
import tokenize
from collections import deque
from dataclasses import dataclass, field
from typing import Iterator, Optional, Sequence

from .._shared.positions import lines_holding, spans_any

# --------------------------------------------------------------------------------------------
# lock types

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
_LOCK_CLASS_NAMES = frozenset(name.rsplit(".", 1)[1] for name in LOCK_TYPES) | {"RLock"}
SLEEPS = frozenset({"asyncio.sleep", "anyio.sleep", "trio.sleep", "asyncio.tasks.sleep"})
ASYNC_KINDS = ("lock", "condition", "semaphore")  # taken with `async with`
UNSURE_KINDS = ("thread-lock", "named")  # other threads, or an unknown `__aexit__`, may run at release


def words(name: Optional[str]) -> list[str]:
    """`_send_lock` -> [send, lock]; `sendFrameLock` -> [send, frame, lock]."""
    if not name:
        return []
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name)
    return [w for w in spaced.lower().split("_") if w]


def last_name(node: ast.AST) -> Optional[str]:
    """The last name of `a.b[c]`-like expressions: `b`; of a call, its callee's."""
    while isinstance(node, (ast.Subscript, ast.Call)):
        node = node.value if isinstance(node, ast.Subscript) else node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def text(node: ast.AST) -> str:
    return ast.unparse(node)


def short(code: str, limit: int = 60) -> str:
    code = " ".join(code.split())
    return code if len(code) <= limit else code[: limit - 3] + "..."


def matches(name: Optional[str], patterns: Sequence[str]) -> bool:
    return bool(name) and any(fnmatch.fnmatchcase(name.lower(), p.lower()) for p in patterns)


def is_self(node: ast.AST) -> bool:
    return isinstance(node, ast.Name) and node.id in ("self", "cls")


def self_attr(node: ast.AST) -> Optional[str]:
    """`self.X` / `cls.X` -> X."""
    if isinstance(node, ast.Attribute) and is_self(node.value):
        return node.attr
    return None


# --------------------------------------------------------------------------------------------
# scopes


@dataclass(eq=False)
class ClassFacts:
    node: ast.ClassDef
    lock_attrs: dict[str, str] = field(default_factory=dict)  # attribute -> kind
    stored: set[str] = field(default_factory=set)  # attributes assigned as `self.X = ...`
    methods: dict[str, ast.AST] = field(default_factory=dict)
    bindings: dict[str, list[ast.stmt]] = field(default_factory=dict)  # lock attribute -> statements binding it


@dataclass(eq=False)
class FunctionFacts:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    parent: Optional["FunctionFacts"]
    cls: Optional[ClassFacts]  # the class whose `self` this function sees
    method_of: Optional[ClassFacts]  # the class it is defined in directly
    lock_names: dict[str, str] = field(default_factory=dict)  # local name (or annotated parameter) -> kind
    bindings: dict[str, list[ast.stmt]] = field(default_factory=dict)

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)

    def outermost(self) -> "FunctionFacts":
        fn = self
        while fn.parent is not None:
            fn = fn.parent
        return fn


@dataclass(frozen=True)
class Lock:
    """A lock as a `with` statement names it."""

    expr: ast.expr
    code: str  # `self._lock`
    kind: str  # lock, condition, semaphore, thread-lock, named
    cls: Optional[ClassFacts]
    fn: Optional[FunctionFacts]  # the function whose local it is (None: an attribute or a global)

    @property
    def attr(self) -> Optional[str]:
        return self_attr(self.expr)

    @property
    def name(self) -> Optional[str]:
        return last_name(self.expr)


@dataclass(eq=False)
class LockBlock:
    """An outermost `with`/`async with` on a lock, in an async def, that awaits while it holds it."""

    node: ast.With | ast.AsyncWith
    fn: FunctionFacts
    lock: Optional[Lock]  # None when the statement holds several context managers
    sites: list[ast.AST]  # awaits, `async for`, `async with`, async comprehensions, in source order


@dataclass(eq=False)
class AcquireRegion:
    """`lock.acquire()` followed, in the same statement list, by the statements that run before `release()`."""

    acquire: ast.stmt
    release_line: Optional[int]
    lock: Lock
    sites: list[ast.AST]


_STMT_FIELDS = ("body", "orelse", "finalbody", "handlers", "cases")


def async_sites(nodes: Sequence[ast.AST]) -> list[ast.AST]:
    """Awaits and other suspension points under ``nodes``, not inside nested functions or classes."""
    found = []
    todo = list(reversed(nodes))
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if isinstance(n, (ast.Await, ast.AsyncFor, ast.AsyncWith)) or (isinstance(n, ast.comprehension) and n.is_async):
            found.append(n)
        todo.extend(reversed(list(ast.iter_child_nodes(n))))
    return sorted(found, key=lambda n: (getattr(n, "lineno", 0), getattr(n, "col_offset", 0)))


class ModuleFacts:
    """One pass over a module: imports, every lock binding, lock blocks, and what the module says about locks."""

    def __init__(self, tree: ast.Module, source: str, patterns: Sequence[str]) -> None:
        self.tree = tree
        self.source = source
        self.lines = source.splitlines()
        self.patterns = list(patterns)
        self.imports: dict[str, str] = {}  # local name -> qualified name
        self.module_locks: dict[str, str] = {}
        self.module_bindings: dict[str, list[ast.stmt]] = {}
        self.module_names: set[str] = set()  # names bound at module level
        self.defs: set[str] = set()  # names of every function and class defined in the module
        self.params: dict[str, tuple[str, ...]] = {}  # function name -> positional parameter names (when unambiguous)
        self.functions: list[FunctionFacts] = []
        self.classes: list[ClassFacts] = []
        self.locked_reads: list[tuple[str, int]] = []  # (`x.locked()` receiver code, line)
        self.conditions: dict[str, str] = {}  # lock code -> code of the Condition built on it
        self._withs: list[tuple[ast.With | ast.AsyncWith, FunctionFacts]] = []
        self._acquires: list[tuple[ast.stmt, list[ast.stmt], FunctionFacts]] = []
        self._comments: Optional[dict[int, str]] = None
        self._blocks: Optional[list[LockBlock]] = None
        self._encoded = [line.encode("utf-8", "surrogatepass") for line in source.splitlines(keepends=True)]
        # the lines a `.locked()` read or a Condition built on a lock can be on: the expressions of the
        # statements that span none of them are not walked
        self._call_lines = sorted({*lines_holding(source, "locked"), *lines_holding(source, "Condition")})
        self._collect_imports(tree)
        self._walk(tree.body, None, None, None)

    # -- building ------------------------------------------------------------------------------
    def _collect_imports(self, tree: ast.Module) -> None:
        for node in _statements(tree):
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.asname:
                        self.imports[a.asname] = a.name
                    else:
                        self.imports.setdefault(a.name.split(".")[0], a.name.split(".")[0])
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                for a in node.names:
                    self.imports[a.asname or a.name] = f"{node.module}.{a.name}"

    def qualified(self, node: ast.AST) -> Optional[str]:
        if isinstance(node, ast.Name):
            return self.imports.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self.qualified(node.value)
            return f"{base}.{node.attr}" if base else None
        return None

    def kind_of_call(self, node: Optional[ast.AST]) -> Optional[str]:
        if not isinstance(node, ast.Call):
            return None
        qn = self.qualified(node.func)
        if qn in LOCK_TYPES:
            return LOCK_TYPES[qn]
        if qn is None and last_name(node.func) in _LOCK_CLASS_NAMES and not isinstance(node.func, ast.Call):
            return "named"  # a lock class we cannot resolve (a compat module, a re-export)
        return None

    def kind_of_annotation(self, node: Optional[ast.AST]) -> Optional[str]:
        if node is None:
            return None
        for sub in ast.walk(node):
            if isinstance(sub, (ast.Name, ast.Attribute)):
                qn = self.qualified(sub)
                if qn in LOCK_TYPES:
                    return LOCK_TYPES[qn]
        return None

    def _walk(self, stmts, fn: Optional[FunctionFacts], cls: Optional[ClassFacts], own_cls: Optional[ClassFacts]) -> None:
        """Statements of one body. ``cls``: the class whose `self` is in scope; ``own_cls``: the class body
        these statements are directly in."""
        for i, node in enumerate(stmts):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.defs.add(node.name)
                if fn is None and own_cls is None:
                    self.module_names.add(node.name)
                names = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
                if own_cls is not None and names and names[0] in ("self", "cls"):
                    names = names[1:]
                known = self.params.setdefault(node.name, tuple(names))
                if known != tuple(names):
                    self.params[node.name] = ()
                facts = FunctionFacts(node, fn, cls, own_cls)
                for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
                    kind = self.kind_of_annotation(arg.annotation)
                    if kind:
                        facts.lock_names[arg.arg] = kind
                if own_cls is not None:
                    own_cls.methods[node.name] = node
                self.functions.append(facts)
                self._walk(node.body, facts, cls, None)
                continue
            if isinstance(node, ast.ClassDef):
                self.defs.add(node.name)
                if fn is None and own_cls is None:
                    self.module_names.add(node.name)
                facts_c = ClassFacts(node)
                self.classes.append(facts_c)
                self._walk(node.body, fn, facts_c, facts_c)
                continue
            self._statement(node, fn, cls, own_cls, stmts[i + 1 :])
            for name in _STMT_FIELDS:
                children = getattr(node, name, None)
                if not children:
                    continue
                if name == "handlers":
                    for h in children:
                        self._walk(h.body, fn, cls, own_cls)
                elif name == "cases":
                    for c in children:
                        self._walk(c.body, fn, cls, own_cls)
                else:
                    self._walk(children, fn, cls, own_cls)

    def _statement(self, node: ast.stmt, fn, cls, own_cls, following: list[ast.stmt]) -> None:
        if fn is None and own_cls is None:
            for sub in _bound_names(node):
                self.module_names.add(sub)
        # lock bindings
        targets: list[ast.expr] = []
        kind = None
        if isinstance(node, ast.Assign):
            targets, kind = node.targets, self.kind_of_call(node.value)
        elif isinstance(node, ast.AnnAssign):
            targets = [node.target]
            kind = self.kind_of_call(node.value) or self.kind_of_annotation(node.annotation)
            if kind is None and isinstance(node.value, ast.Call) and last_name(node.value.func) == "field":
                for kw in node.value.keywords:  # dataclass field(default_factory=asyncio.Lock)
                    if kw.arg == "default_factory":
                        qn = self.qualified(kw.value)
                        kind = LOCK_TYPES.get(qn or "")
        for target in targets:
            attr = self_attr(target)
            if attr is not None and cls is not None:
                cls.stored.add(attr)
            if kind is None:
                continue
            if attr is not None and cls is not None:
                cls.lock_attrs[attr] = kind
                cls.bindings.setdefault(attr, []).append(node)
            elif isinstance(target, ast.Name):
                if own_cls is not None and fn is None:
                    own_cls.lock_attrs[target.id] = kind
                    own_cls.bindings.setdefault(target.id, []).append(node)
                elif fn is not None:
                    fn.lock_names[target.id] = kind
                    fn.bindings.setdefault(target.id, []).append(node)
                else:
                    self.module_locks[target.id] = kind
                    self.module_bindings.setdefault(target.id, []).append(node)
        # lock blocks, acquire() calls, locked() reads, conditions built on a lock
        if isinstance(node, (ast.With, ast.AsyncWith)) and fn is not None:
            self._withs.append((node, fn))
        if fn is not None and isinstance(node, ast.Expr):
            call = node.value.value if isinstance(node.value, ast.Await) else node.value
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and call.func.attr == "acquire":
                self._acquires.append((node, following, fn))
        if not spans_any(node, self._call_lines):
            return
        for sub in _expressions(node):
            if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute):
                if sub.func.attr == "locked" and not sub.args:
                    self.locked_reads.append((text(sub.func.value), sub.lineno))
                elif self.kind_of_call(sub) == "condition" and sub.args:
                    owner = _assigned_to(node, sub)
                    if owner is not None:
                        self.conditions[text(sub.args[0])] = owner

    # -- what is a lock ------------------------------------------------------------------------
    def lock_of(self, expr: ast.expr, fn: FunctionFacts) -> Optional[Lock]:
        """The lock a `with` item names, or None when it is not known to be one."""
        if isinstance(expr, ast.Name):
            scope: Optional[FunctionFacts] = fn
            while scope is not None:
                if expr.id in scope.lock_names:
                    return Lock(expr, text(expr), scope.lock_names[expr.id], fn.cls, scope)
                scope = scope.parent
            if expr.id in self.module_locks:
                return Lock(expr, text(expr), self.module_locks[expr.id], fn.cls, None)
        attr = self_attr(expr)
        if attr is not None and fn.cls is not None and attr in fn.cls.lock_attrs:
            return Lock(expr, text(expr), fn.cls.lock_attrs[attr], fn.cls, None)
        if isinstance(expr, (ast.Name, ast.Attribute, ast.Subscript)) and matches(last_name(expr), self.patterns):
            return Lock(expr, text(expr), "named", fn.cls, None)
        return None

    def lock_blocks(self) -> list[LockBlock]:
        """Outermost lock blocks of each async def that hold the lock across an await."""
        if self._blocks is None:
            self._blocks = self._lock_blocks()
        return list(self._blocks)

    def _lock_blocks(self) -> list[LockBlock]:
        blocks: list[LockBlock] = []
        inside: set[int] = set()
        for node, fn in self._withs:
            if not fn.is_async or id(node) in inside:
                continue
            locks = [self.lock_of(item.context_expr, fn) for item in node.items]
            found = [lk for lk in locks if lk is not None]
            if not found:
                continue
            kinds = {lk.kind for lk in found}
            if isinstance(node, ast.AsyncWith) and "thread-lock" in kinds:
                continue  # `async with` on a threading lock does not run at all
            if isinstance(node, ast.With) and kinds & set(ASYNC_KINDS):
                continue  # neither does `with` on an asyncio lock
            sites = async_sites(node.body)
            if not sites:
                continue
            for sub in ast.walk(node):
                if isinstance(sub, (ast.With, ast.AsyncWith)) and sub is not node:
                    inside.add(id(sub))
            blocks.append(LockBlock(node, fn, found[0] if len(node.items) == 1 else None, sites))
        return blocks

    def acquire_regions(self) -> list[AcquireRegion]:
        regions = []
        for stmt, following, fn in self._acquires:
            if not fn.is_async:
                continue
            call = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
            lock = self.lock_of(call.func.value, fn)
            if lock is None:
                continue
            held: list[ast.stmt] = []
            release_line = None
            for nxt in following:
                if _releases(nxt, lock.code, direct=True):
                    release_line = nxt.lineno
                    break
                held.append(nxt)
                if isinstance(nxt, ast.Try) and any(_releases(s, lock.code) for s in nxt.finalbody):
                    release_line = next(s.lineno for s in nxt.finalbody if _releases(s, lock.code))
                    break
            sites = async_sites(held)
            if sites:
                regions.append(AcquireRegion(stmt, release_line, lock, sites))
        return regions

    def show(self, node: ast.AST, limit: int = 60) -> str:
        """The node's source text as written (quotes and all), shortened for a message."""
        try:
            first, last = node.lineno - 1, node.end_lineno - 1
            if first == last:
                raw = self._encoded[first][node.col_offset : node.end_col_offset]
            else:
                raw = b"".join(
                    [self._encoded[first][node.col_offset :], *self._encoded[first + 1 : last], self._encoded[last][: node.end_col_offset]]
                )
            code = raw.decode("utf-8", "replace")
        except (AttributeError, IndexError, TypeError):
            code = text(node)
        return short(code, limit)

    # -- what the module says about a lock -----------------------------------------------------
    @property
    def comments(self) -> dict[int, str]:
        if self._comments is None:
            self._comments = {}
            try:
                for tok in tokenize.generate_tokens(io.StringIO(self.source).readline):
                    if tok.type == tokenize.COMMENT:
                        self._comments[tok.start[0]] = tok.string.lstrip("#").strip()
            except (tokenize.TokenError, SyntaxError, IndentationError):
                pass
        return self._comments

    def bindings_of(self, lock: Lock) -> list[ast.stmt]:
        if lock.attr is not None and lock.cls is not None:
            return lock.cls.bindings.get(lock.attr, [])
        if isinstance(lock.expr, ast.Name):
            if lock.fn is not None:
                return lock.fn.bindings.get(lock.expr.id, [])
            return self.module_bindings.get(lock.expr.id, [])
        return []

    def notes_on(self, lock: Lock) -> list[tuple[int, str]]:
        """Comments and docstring lines that speak about the lock: beside and above its construction, and any
        comment or docstring line of its class that names it."""
        comments = self.comments
        notes: list[tuple[int, str]] = []
        for stmt in self.bindings_of(lock):
            for line in range(stmt.lineno, (stmt.end_lineno or stmt.lineno) + 1):
                if line in comments:
                    notes.append((line, comments[line]))
            line = stmt.lineno - 1
            while line in comments and self.lines[line - 1].lstrip().startswith("#"):
                notes.append((line, comments[line]))
                line -= 1
        name = lock.name or ""
        scope = lock.cls.node if lock.cls is not None else None
        if name and len(name.strip("_")) > 2:
            lo, hi = (scope.lineno, scope.end_lineno or scope.lineno) if scope is not None else (1, len(self.lines))
            for line, comment in comments.items():
                if lo <= line <= hi and re.search(rf"\b{re.escape(name)}\b", comment):
                    notes.append((line, comment))
            if scope is not None:
                doc = ast.get_docstring(scope) or ""
                for k, doc_line in enumerate(doc.splitlines()):
                    if re.search(rf"\b{re.escape(name)}\b", doc_line):
                        notes.append((scope.body[0].lineno + k, doc_line.strip()))
        return sorted(set(notes))

    def takers_of(self, lock: Lock) -> list[str]:
        """Names of the functions that take the lock (`with`, `async with` or `acquire()`)."""
        if lock.attr is not None and lock.cls is not None:
            candidates = [f for f in self.functions if f.cls is lock.cls]
        elif lock.fn is not None:
            candidates = [f for f in self.functions if f is lock.fn or _within(f, lock.fn)]
        else:
            candidates = list(self.functions)
        names = []
        for f in candidates:
            for sub in _own_nodes(f.node):
                if isinstance(sub, (ast.With, ast.AsyncWith)) and any(text(i.context_expr) == lock.code for i in sub.items):
                    names.append(f.node.name)
                    break
                if (
                    isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr == "acquire"
                    and text(sub.func.value) == lock.code
                ):
                    names.append(f.node.name)
                    break
        return names

    def locked_read(self, lock: Lock) -> Optional[int]:
        """The line of a `lock.locked()` call on this lock (or an attribute of the same name), if any."""
        for code, line in self.locked_reads:
            if code == lock.code or (lock.attr and code.rsplit(".", 1)[-1] == lock.attr):
                return line
        return None

    def condition_on(self, lock: Lock) -> Optional[str]:
        if lock.kind == "condition":
            return lock.code
        return self.conditions.get(lock.code)


def _within(f: FunctionFacts, outer: FunctionFacts) -> bool:
    p = f.parent
    while p is not None:
        if p is outer:
            return True
        p = p.parent
    return False


def _own_nodes(fn: ast.AST) -> Iterator[ast.AST]:
    """Nodes of a function's body, not of the functions and classes nested in it."""
    todo = list(getattr(fn, "body", []))
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        yield n
        todo.extend(ast.iter_child_nodes(n))


def _statements(tree: ast.Module) -> Iterator[ast.AST]:
    """What ``ast.walk(tree)`` yields but the expressions, in the same order (statements, except
    handlers, match cases and patterns): an import is a statement."""
    todo = deque([tree])
    while todo:
        node = todo.popleft()
        todo.extend(c for c in ast.iter_child_nodes(node) if not isinstance(c, ast.expr))
        yield node


def _expressions(stmt: ast.stmt) -> Iterator[ast.AST]:
    """The expressions of one statement, not of the statements nested in it."""
    todo = [c for name, c in ast.iter_fields(stmt) if name not in _STMT_FIELDS]
    while todo:
        c = todo.pop()
        if isinstance(c, list):
            todo.extend(c)
        elif isinstance(c, ast.AST) and not isinstance(c, ast.stmt):
            if isinstance(c, ast.Lambda):
                continue
            yield c
            todo.extend(ast.iter_child_nodes(c))


def _assigned_to(stmt: ast.stmt, value: ast.AST) -> Optional[str]:
    if isinstance(stmt, ast.Assign) and stmt.value is value and len(stmt.targets) == 1:
        return text(stmt.targets[0])
    if isinstance(stmt, ast.AnnAssign) and stmt.value is value:
        return text(stmt.target)
    return None


def _bound_names(stmt: ast.stmt) -> set[str]:
    out: set[str] = set()
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        for a in stmt.names:
            out.add((a.asname or a.name).split(".")[0])
    for sub in _expressions(stmt):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            out.add(sub.id)
    return out


def _releases(stmt: ast.stmt, lock_code: str, direct: bool = False) -> bool:
    nodes = [stmt] if direct else list(ast.walk(stmt))
    for node in nodes:
        if isinstance(node, ast.Expr):
            node = node.value
        if (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "release"
            and text(node.func.value) == lock_code
        ):
            return True
    return False


def index(facts: ModuleFacts) -> Optional[tuple[tuple[int, int], ...]]:
    """Where the rewrite will report something: lock blocks and acquire()/release() regions that hold a lock
    across an await. None when there is nothing (no LibCST parse for this file)."""
    found = [(b.node.lineno, b.node.col_offset + 1) for b in facts.lock_blocks()]
    found += [(r.acquire.lineno, r.acquire.col_offset + 1) for r in facts.acquire_regions()]
    return tuple(sorted(set(found))) or None
