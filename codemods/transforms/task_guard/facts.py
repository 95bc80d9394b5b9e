"""The cheap index: CPython `ast`, one pass, no LibCST. It finds the spawns the rewrite may act on.

It must be a superset of what the LibCST pass acts on (every spawn the rewrite changes or reports is in
it) and as close to it as cheap means allow, so that LibCST only ever sees files that matter: `None` for
a file whose every task is owned (awaited, stored, passed on, returned) or that spawns none.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Iterable

# -- what counts as a spawn ------------------------------------------------------------------------------------

SPAWN_FUNCTIONS = frozenset({"create_task", "ensure_future"})
SPAWN_QUALNAMES = frozenset(f"asyncio.{mod}{fn}" for mod in ("", "tasks.") for fn in SPAWN_FUNCTIONS)
LOOP_FACTORIES = frozenset({"get_running_loop", "get_event_loop", "new_event_loop"})
LOOP_FACTORY_QUALNAMES = frozenset(f"asyncio.{mod}{fn}" for mod in ("", "events.") for fn in LOOP_FACTORIES)
LOOP_CLASSES = frozenset({"AbstractEventLoop", "BaseEventLoop"})
LOOP_CLASS_QUALNAMES = frozenset(
    f"asyncio.{mod}{cls}" for mod in ("", "events.", "base_events.") for cls in LOOP_CLASSES
)
ASYNCIO_MODULES = ("asyncio", "asyncio.tasks", "asyncio.events", "asyncio.base_events")

# Task methods that use a task without keeping or cancelling it: a local used only through these keeps
# nothing alive. `add_done_callback` keeps nothing alive either, but it consumes the result (the rewrite
# then never cancels the task); every other use (await, cancel, passing it on, storing it) owns it.
NON_OWNING_METHODS = frozenset({"set_name", "get_name", "done", "cancelled"})
CALLBACK_METHOD = "add_done_callback"

# ownership, one vocabulary for this index and the LibCST pass
OWNED = "owned"  # awaited, returned, yielded, passed on, stored in a container or attribute
BARE = "bare"  # an expression statement: nothing keeps the task
LOCAL = "local"  # assigned to a plain local name: owned or not depending on the name's uses
SELF = "self"  # stored on self
COMPREHENSION = "comprehension"  # spawned by a list/set comprehension whose value is thrown away (or kept in a local)
GENERATOR = "generator"  # a generator expression statement: never iterated, spawns nothing
RECEIVER = "receiver"  # `x.create_task(...)` on a receiver that may be an event loop, nothing keeps the task
UNKNOWN = "unknown"  # inside an expression the transform does not follow


@dataclass(frozen=True)
class SpawnFact:
    """One spawn the rewrite may change or report (positions are informative only)."""

    line: int
    col: int
    kind: str


def index(tree: ast.Module) -> tuple[SpawnFact, ...] | None:
    return _Index(tree).facts()


def looks_like_loop(text: str) -> bool:
    """`self._loop`, `hass.loop`, `event_loop`: a receiver whose name says it is an event loop."""
    return "loop" in text.rsplit(".", 1)[-1].lower()


def dotted(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr}" if head else ""
    return ""


class _Index:
    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.asyncio_modules: set[str] = set()  # names bound to the asyncio module
        self.spawn_names: set[str] = set()  # names bound to create_task / ensure_future
        self.loop_factory_names: set[str] = set()
        self.loop_class_names: set[str] = set()
        self.loop_names: set[str] = set()
        self.parents: dict[ast.AST, ast.AST] = {}

    # -- names -------------------------------------------------------------------------------------------------
    def collect_aliases(self, imports: list[ast.Import | ast.ImportFrom]) -> None:
        for node in imports:
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == "asyncio" or a.name.startswith("asyncio."):
                        if not a.asname:
                            self.asyncio_modules.add("asyncio")
                        elif a.name == "asyncio":
                            self.asyncio_modules.add(a.asname)
            elif node.level == 0 and node.module in ASYNCIO_MODULES:
                for a in node.names:
                    bound = a.asname or a.name
                    if a.name in SPAWN_FUNCTIONS:
                        self.spawn_names.add(bound)
                    elif a.name in LOOP_FACTORIES:
                        self.loop_factory_names.add(bound)
                    elif a.name in LOOP_CLASSES:
                        self.loop_class_names.add(bound)

    def _is_asyncio_attr(self, node: ast.AST, names: Iterable[str]) -> bool:
        return (
            isinstance(node, ast.Attribute)
            and node.attr in names
            and isinstance(node.value, ast.Name)
            and node.value.id in self.asyncio_modules
        )

    def _is_loop_factory_call(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Call) and (
            (isinstance(node.func, ast.Name) and node.func.id in self.loop_factory_names)
            or self._is_asyncio_attr(node.func, LOOP_FACTORIES)
        )

    def collect_loops(self, assigns: list[ast.Assign | ast.AnnAssign], args: list[ast.arg]) -> None:
        for node in assigns:
            if self._is_loop_factory_call(node.value):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                self.loop_names.update(t.id for t in targets if isinstance(t, ast.Name))
        for node in args:
            ann = node.annotation
            if (isinstance(ann, ast.Name) and ann.id in self.loop_class_names) or self._is_asyncio_attr(
                ann, LOOP_CLASSES
            ):
                self.loop_names.add(node.arg)

    def spawn_kind(self, call: ast.Call) -> str | None:
        """None: not a spawn; "spawn": an asyncio spawn; RECEIVER: `x.create_task` on a loop-like unknown."""
        func = call.func
        if isinstance(func, ast.Name):
            return "spawn" if func.id in self.spawn_names else None
        if not isinstance(func, ast.Attribute):
            return None
        if self._is_asyncio_attr(func, SPAWN_FUNCTIONS):
            return "spawn"
        if func.attr != "create_task":
            return None
        if (isinstance(func.value, ast.Name) and func.value.id in self.loop_names) or self._is_loop_factory_call(
            func.value
        ):
            return "spawn"
        if self.is_loop_attr(call, func.value):
            return "spawn"
        return RECEIVER if looks_like_loop(dotted(func.value)) else None

    def is_loop_attr(self, call: ast.Call, node: ast.AST) -> bool:
        """`self._loop` that the class only ever sets from a loop factory or annotates as an event loop."""
        if not (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "self"):
            return False
        method = self.function_of(call)
        cls = self.function_of(method) if method is not None else None
        if not isinstance(cls, ast.ClassDef):
            return False
        seen = False
        for stmt in ast.walk(cls):
            if isinstance(stmt, ast.Assign):
                targets, annotation = stmt.targets, None
            elif isinstance(stmt, ast.AnnAssign):
                targets, annotation = [stmt.target], stmt.annotation
            else:
                continue
            if not any(dotted(t) == f"self.{node.attr}" for t in targets):
                continue
            seen = True
            if annotation is not None and (
                (isinstance(annotation, ast.Name) and annotation.id in self.loop_class_names)
                or self._is_asyncio_attr(annotation, LOOP_CLASSES)
            ):
                continue
            if not self._is_loop_factory_call(stmt.value):
                return False
        return seen

    # -- ownership ---------------------------------------------------------------------------------------------
    def kind(self, call: ast.Call) -> str:
        parent = self.parents.get(call)
        if isinstance(parent, ast.Expr):
            return BARE
        if isinstance(parent, (ast.Assign, ast.AnnAssign)) and parent.value is call:
            targets = parent.targets if isinstance(parent, ast.Assign) else [parent.target]
            if len(targets) != 1:
                return UNKNOWN
            (target,) = targets
            if isinstance(target, ast.Name):
                return LOCAL
            if isinstance(target, ast.Attribute):
                return SELF if isinstance(target.value, ast.Name) and target.value.id == "self" else OWNED
            if isinstance(target, ast.Subscript):
                return OWNED
            return UNKNOWN
        if isinstance(parent, (ast.Await, ast.Return, ast.Yield, ast.YieldFrom, ast.Lambda)):
            return OWNED
        if isinstance(parent, ast.Attribute) and parent.attr == "cancel" and isinstance(self.parents.get(parent), ast.Call):
            return OWNED
        if isinstance(parent, ast.Call) and call is not parent.func:
            return OWNED
        if isinstance(parent, (ast.keyword, ast.Starred, ast.List, ast.Tuple, ast.Set, ast.Dict)):
            return OWNED
        if isinstance(parent, (ast.ListComp, ast.SetComp, ast.GeneratorExp)) and call is parent.elt:
            holder = self.parents.get(parent)
            if isinstance(holder, ast.Expr):
                return GENERATOR if isinstance(parent, ast.GeneratorExp) else COMPREHENSION
            if (
                isinstance(holder, ast.Assign)
                and not isinstance(parent, ast.GeneratorExp)
                and len(holder.targets) == 1
                and isinstance(holder.targets[0], ast.Name)
            ):
                scope = self.function_of(holder) or self.tree
                return OWNED if self.local_is_owned(scope, holder.targets[0].id) else COMPREHENSION
            return OWNED
        if isinstance(parent, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)):
            return OWNED if call is not parent.generators[0].iter else UNKNOWN
        return UNKNOWN

    def function_of(self, node: ast.AST) -> ast.AST | None:
        cur = self.parents.get(node)
        while cur is not None and not isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            cur = self.parents.get(cur)
        return cur

    def local_is_owned(self, func: ast.AST, name: str) -> bool:
        """Uses in nested functions count (a closure that cancels the task owns it), unless the nested
        function binds the name itself: then its uses are of another variable."""
        for node in _walk_scope_of(func, name):
            if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
                return False  # reported as a skip by the rewrite
            if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
                parent = self.parents.get(node)
                grand = self.parents.get(parent) if parent is not None else None
                if not (
                    isinstance(parent, ast.Attribute)
                    and parent.attr in NON_OWNING_METHODS | {CALLBACK_METHOD}
                    and isinstance(grand, ast.Call)
                    and grand.func is parent
                ):
                    return True
        return False

    def class_reads_attr(self, call: ast.Call) -> bool:
        """`self.attr = spawn(...)` and the class reads `self.attr` other than to set its name."""
        target = self.parents[call]
        attr = (target.targets[0] if isinstance(target, ast.Assign) else target.target).attr  # type: ignore[union-attr]
        method = self.function_of(call)
        cls = self.function_of(method) if method is not None else None
        if not isinstance(cls, ast.ClassDef):
            return False
        for node in ast.walk(cls):
            if (
                isinstance(node, ast.Attribute)
                and node.attr == attr
                and isinstance(node.ctx, ast.Load)
                and isinstance(node.value, ast.Name)
                and node.value.id == "self"
            ):
                parent = self.parents.get(node)
                if not (isinstance(parent, ast.Attribute) and parent.attr in NON_OWNING_METHODS):
                    return True
        return False

    # -- the pass ----------------------------------------------------------------------------------------------
    def facts(self) -> tuple[SpawnFact, ...] | None:
        parents = self.parents
        imports: list = []
        assigns: list = []
        args: list = []
        calls: list = []
        stack: list[ast.AST] = [self.tree]
        while stack:
            node = stack.pop()
            for child in ast.iter_child_nodes(node):
                parents[child] = node
                stack.append(child)
            kind = type(node)
            if kind is ast.Call:
                func = node.func  # type: ignore[attr-defined]
                if type(func) is ast.Name or (type(func) is ast.Attribute and func.attr in SPAWN_FUNCTIONS):
                    calls.append(node)
            elif kind is ast.Import or kind is ast.ImportFrom:
                imports.append(node)
            elif (kind is ast.Assign or kind is ast.AnnAssign) and type(node.value) is ast.Call:  # type: ignore[attr-defined]
                assigns.append(node)
            elif kind is ast.arg and node.annotation is not None:  # type: ignore[attr-defined]
                args.append(node)
        if not calls:
            return None
        self.collect_aliases(imports)
        self.collect_loops(assigns, args)
        out = []
        for call in calls:
            spawn = self.spawn_kind(call)
            if spawn is None:
                continue
            kind = self.kind(call)
            if kind == OWNED:
                continue
            if kind == LOCAL:
                target = self.parents[call]
                target = target.targets[0] if isinstance(target, ast.Assign) else target.target
                func = self.function_of(call)
                if not isinstance(func, ast.ClassDef) and self.local_is_owned(func or self.tree, target.id):
                    continue
            if kind == SELF and self.class_reads_attr(call):
                continue  # the class awaits, cancels or passes the task on somewhere: owned
            if spawn == RECEIVER:
                if kind not in (BARE, LOCAL):
                    continue  # stored or used: whoever holds it owns it, whatever the receiver is
                kind = RECEIVER
            out.append(SpawnFact(call.lineno, call.col_offset + 1, kind))
        return tuple(sorted(out, key=lambda f: (f.line, f.col))) or None


def _walk_scope_of(func: ast.AST, name: str) -> Iterable[ast.AST]:
    """`func` and the nested functions that see its `name` (those that do not bind it themselves)."""
    stack = [func]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and _binds(child, name):
                continue
            if isinstance(child, ast.ClassDef):
                continue
            stack.append(child)


def _binds(func: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, name: str) -> bool:
    args = func.args
    params = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
    if any(a is not None and a.arg == name for a in params):
        return True
    for node in ast.walk(func):
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, (ast.Store, ast.Del)):
            return True
        if isinstance(node, ast.Nonlocal) and name in node.names:
            return True
    return False
