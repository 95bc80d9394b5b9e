"""task-guard: give every spawned asyncio task an owner that cancels it."""

from __future__ import annotations

import ast
import keyword
import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import (
    ImportAssignment,
    PositionProvider,
    ScopeProvider,
)

from . import register
from .base import UNSAFE, RewriteContext, SourceInfo, Transform

# -- what counts as a spawn ----------------------------------------------------------------------

SPAWN_FUNCTIONS = frozenset({"create_task", "ensure_future"})
SPAWN_QUALNAMES = frozenset(
    f"asyncio.{mod}{fn}" for mod in ("", "tasks.") for fn in SPAWN_FUNCTIONS
)
LOOP_FACTORIES = frozenset({"get_running_loop", "get_event_loop", "new_event_loop"})
LOOP_FACTORY_QUALNAMES = frozenset(
    f"asyncio.{mod}{fn}" for mod in ("", "events.") for fn in LOOP_FACTORIES
)
LOOP_CLASSES = frozenset({"AbstractEventLoop", "BaseEventLoop"})
LOOP_CLASS_QUALNAMES = frozenset(
    f"asyncio.{mod}{cls}" for mod in ("", "events.", "base_events.") for cls in LOOP_CLASSES
)
# Task methods that use a task without keeping or cancelling it: a local used only through
# these is still unowned. Every other use (await, cancel, passing it on, storing it) owns it.
NON_OWNING_METHODS = frozenset({"add_done_callback", "set_name", "get_name", "done", "cancelled"})
# Methods in which a class could cancel a task it stores on `self`.
CLOSE_METHODS = ("aclose", "close", "stop", "__aexit__")  # the first one a class has is used

EXIT_STACK_QUALNAMES = frozenset({"contextlib.ExitStack", "contextlib.AsyncExitStack"})

# -- ownership (one vocabulary for the ast index and the LibCST rewrite) -------------------------

OWNED = "owned"  # awaited, returned, yielded, passed on, stored in a container or attribute
BARE = "bare"  # an expression statement: nothing keeps the task
LOCAL = "local"  # assigned to a plain local name: owned or not depending on the name's uses
SELF = "self"  # stored on self
UNKNOWN = "unknown"  # inside an expression the transform does not follow

REASON_SYNC = (
    "spawned in a sync function: a guard would cancel the task as soon as the function returns, "
    "before it ever runs; give it an owner by hand (a TaskGroup, or a task set its async owner cancels)"
)
REASON_MODULE = "spawned at module level: there is no function scope to tie the task to; give it an owner by hand"
REASON_CLASS = "spawned in a class body: there is no function scope to tie the task to; give it an owner by hand"
REASON_GLOBAL = "stored in a {kind} variable: its owner is outside this function; check by hand that something cancels it"
REASON_UNKNOWN = (
    "the task is used in {where}, which the transform does not follow; "
    "check by hand that something keeps and cancels it"
)
_EXPRESSION_NAMES = {
    "IfExp": "a conditional expression",
    "NamedExpr": "an assignment expression (:=)",
    "BooleanOperation": "an `and`/`or`",
    "Attribute": "an attribute access on the new task",
    "Assign": "a multiple or unpacking assignment",
    "AnnAssign": "an unpacking assignment",
    "Comparison": "a comparison",
    "Index": "a subscript",
    "Subscript": "a subscript",
    "WithItem": "a `with` item",
    "If": "an `if` test",
    "While": "a `while` test",
    "For": "a `for` loop header",
}
REASON_NO_AWAIT = (
    "nothing is awaited after the spawn, so a guard would cancel the task before it ever runs: "
    "it is meant to outlive {func}(); give it a longer-lived owner by hand"
)
REASON_OWN_COROUTINE = (
    "the task runs `{coro}`, a coroutine of the object itself: it probably belongs to the object, not "
    "to this call of {func}() (a lifecycle task that a later method talks to); store it on self and "
    "cancel it where the object closes"
)
REASON_FUTURE = (
    "ensure_future() of a value, not of a call: if it is already a future it is returned as it is, "
    "and may belong to someone else; guard it by hand if it is a coroutine"
)
REASON_ONE_LINE = "the body of {func}() is on the same line as its def; guard it by hand"
REASON_NAME_TAKEN = "`{name}` already means something else here, so the guard cannot be added; guard it by hand"
REASON_SELF_CLOSE = "stored on self: cancel it in {where} by hand"
REASON_SELF_UNSET = (
    "stored on self, but {cls}.__init__() does not set self.{attr}, so {where} could run before it "
    "exists; cancel it there by hand"
)
REASON_SELF = (
    "stored on self, and {cls} has no aclose()/close()/stop()/__aexit__() that could cancel it; "
    "give the class an owner method that cancels it"
)


def _short_code(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _guard_option(value: Any) -> tuple[str, str] | None:
    """``"pkg.tasks:task_guard"`` → ``("pkg.tasks", "task_guard")``; None → None (stdlib guard)."""
    if value is None or value == "":
        return None
    ident = r"[A-Za-z_][A-Za-z0-9_]*"
    if not isinstance(value, str) or not re.fullmatch(rf"{ident}(\.{ident})*:{ident}", value):
        raise ValueError(
            f"task-guard: option guard must look like \"package.module:name\", got {value!r}"
        )
    module, name = value.split(":")
    if keyword.iskeyword(name) or any(keyword.iskeyword(p) for p in module.split(".")):
        raise ValueError(f"task-guard: option guard names a Python keyword: {value!r}")
    return module, name


@dataclass(frozen=True)
class SpawnFact:
    """One spawn the index thinks needs a guard or a skip (positions are informative only)."""

    line: int
    col: int
    kind: str


# ================================================================================================
# index: CPython ast, cheap, a superset of what rewrite acts on
# ================================================================================================


class _AstIndex:
    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.asyncio_modules: set[str] = set()  # names bound to the asyncio module
        self.spawn_names: set[str] = set()  # names bound to create_task / ensure_future
        self.loop_factory_names: set[str] = set()
        self.loop_class_names: set[str] = set()
        self.loop_names: set[str] = set()
        self.parents: dict[ast.AST, ast.AST] = {}

    def collect_aliases(self, imports: list[ast.Import | ast.ImportFrom]) -> None:
        for node in imports:
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name == "asyncio" or a.name.startswith("asyncio."):
                        if a.asname:
                            if a.name == "asyncio":
                                self.asyncio_modules.add(a.asname)
                        else:
                            self.asyncio_modules.add("asyncio")
            elif node.level == 0 and node.module:
                if node.module in ("asyncio", "asyncio.tasks", "asyncio.events", "asyncio.base_events"):
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

    def is_spawn(self, call: ast.Call) -> bool:
        func = call.func
        if isinstance(func, ast.Name):
            return func.id in self.spawn_names
        if not isinstance(func, ast.Attribute):
            return False
        if self._is_asyncio_attr(func, SPAWN_FUNCTIONS):
            return True
        if func.attr != "create_task":
            return False
        return (isinstance(func.value, ast.Name) and func.value.id in self.loop_names) or self._is_loop_factory_call(
            func.value
        )

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
        if isinstance(parent, (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)) and call is not getattr(
            parent.generators[0], "iter", None
        ):
            return OWNED
        return UNKNOWN

    def function_of(self, node: ast.AST) -> ast.AST | None:
        cur = self.parents.get(node)
        while cur is not None and not isinstance(cur, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            cur = self.parents.get(cur)
        return cur

    def local_is_owned(self, func: ast.AST, name: str) -> bool:
        """Uses in nested functions are not counted: the index must not drop a spawn that rewrite
        (which sees exactly the references of this binding) would act on."""
        for node in _ast_walk_own_scope(func):
            if isinstance(node, (ast.Global, ast.Nonlocal)) and name in node.names:
                return False  # reported as a skip by rewrite
            if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
                parent = self.parents.get(node)
                grand = self.parents.get(parent) if parent is not None else None
                if not (
                    isinstance(parent, ast.Attribute)
                    and parent.attr in NON_OWNING_METHODS
                    and isinstance(grand, ast.Call)
                    and grand.func is parent
                ):
                    return True
        return False

    def facts(self) -> tuple[SpawnFact, ...] | None:
        # one pass over the tree: parents, imports, loop candidates, call candidates
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
        if not (self.asyncio_modules or self.spawn_names or self.loop_factory_names or self.loop_class_names):
            return None
        self.collect_loops(assigns, args)
        spawns = [n for n in calls if self.is_spawn(n)]
        if not spawns:
            return None
        out = []
        for call in spawns:
            kind = self.kind(call)
            if kind == OWNED:
                continue
            if kind == LOCAL:
                func = self.function_of(call)
                target = self.parents[call]
                target = target.targets[0] if isinstance(target, ast.Assign) else target.target
                if not isinstance(func, ast.ClassDef) and self.local_is_owned(func or self.tree, target.id):
                    continue
            out.append(SpawnFact(call.lineno, call.col_offset + 1, kind))
        return tuple(sorted(out, key=lambda f: (f.line, f.col))) or None


def _ast_walk_own_scope(func: ast.AST) -> Iterable[ast.AST]:
    stack = [func]
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                stack.append(child)


# ================================================================================================
# rewrite: LibCST, authoritative
# ================================================================================================


@dataclass
class _Guarded:
    """One spawn to guard: the statement that spawns it and the name the task ends up in."""

    call: cst.Call
    small: cst.BaseSmallStatement  # the Expr / Assign / AnnAssign holding the call
    line: cst.SimpleStatementLine | cst.SimpleStatementSuite
    var: str  # existing local, or a fresh name for a bare statement
    bare: bool
    existing: str | None  # the `as` name of a guard the function already has, or None: the new one
    register: list[str] = field(default_factory=list)  # statements that hand the task to its guard


# The new guard of a function, in one of three forms:
STACK = "stack"  # with contextlib.ExitStack() as stack: ... stack.callback(task.cancel)
TASK_SET = "set"  # tasks = set(); try: ... tasks.add(task); task.add_done_callback(tasks.discard)
#                   finally: for task in tasks: task.cancel()        (for spawns in loops)
CUSTOM = "custom"  # with task_guard() as tasks: ... tasks.add(task)   (the `guard` option)


@dataclass
class _FunctionPlan:
    func: cst.FunctionDef
    start: int = -1  # index in func.body.body of the first statement the new guard wraps; -1: none
    in_loop: bool = False  # a spawn for the new guard is inside a loop
    form: str = ""
    guard_name: str = ""  # the `as` name of the new guard (the set, for TASK_SET)
    loop_var: str = ""  # TASK_SET: the name the `finally` loops over the set with
    spawns: list[_Guarded] = field(default_factory=list)


class _Analyzer(cst.CSTVisitor):
    """Finds spawns on the tree it is given and decides, per spawn, guard / leave / skip."""

    # Qualified names are asked of the scope for the few candidate nodes only, and parents are
    # recorded during this visit: QualifiedNameProvider and ParentNodeProvider would each cost a
    # whole extra pass over the tree.
    METADATA_DEPENDENCIES = (PositionProvider, ScopeProvider)

    def __init__(self, ctx: RewriteContext, guard: tuple[str, str] | None, module: cst.Module) -> None:
        super().__init__()
        self.ctx = ctx
        self.guard = guard
        self.module = module
        self.plans: dict[cst.FunctionDef, _FunctionPlan] = {}
        self.close_plans: dict[cst.FunctionDef, list[str]] = {}  # close method -> attributes to cancel
        self._parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self._stack: list[cst.CSTNode] = []
        self._calls: list[cst.Call] = []
        self.changes: list[tuple[int, int, str]] = []
        self.guard_expr = self.guard_head = self.guard_qualname = ""
        self.import_needed: tuple[str, str | None] | None = None  # (module, obj)
        self.setup_guard()
        self._names_cache: dict[cst.FunctionDef, set[str]] = {}

    # -- helpers ----------------------------------------------------------------------------------
    def pos(self, node: cst.CSTNode) -> tuple[int, int]:
        p = self.get_metadata(PositionProvider, node).start
        return p.line, p.column + 1

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self._parents.get(node)

    def qualnames(self, node: cst.CSTNode) -> set[str]:
        scope = self.get_metadata(ScopeProvider, node, None)
        if scope is None:
            return set()
        return {q.name for q in scope.get_qualified_names_for(node)}

    def skip(self, node: cst.CSTNode, reason: str) -> None:
        self.ctx.skip(*self.pos(node), reason)

    # -- spawn recognition ------------------------------------------------------------------------
    def is_loop_expr(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Call):
            return bool(self.qualnames(node.func) & LOOP_FACTORY_QUALNAMES)
        if not isinstance(node, cst.Name):
            return False
        scope = self.get_metadata(ScopeProvider, node, None)
        if scope is None:
            return False
        assignments = list(scope[node.value])
        if not assignments:
            return False
        for a in assignments:
            target = getattr(a, "node", None)
            if isinstance(a, ImportAssignment) or target is None:
                return False
            if isinstance(target, cst.Param):
                ann = target.annotation
                if ann is None or not (self.qualnames(ann.annotation) & LOOP_CLASS_QUALNAMES):
                    return False
                continue
            holder = self.parent(target)
            stmt = self.parent(holder) if isinstance(holder, cst.AssignTarget) else holder
            if isinstance(stmt, cst.Assign) and len(stmt.targets) == 1 and stmt.targets[0].target is target:
                value = stmt.value
            elif isinstance(stmt, cst.AnnAssign) and stmt.target is target and stmt.value is not None:
                value = stmt.value
            else:
                return False
            if not (isinstance(value, cst.Call) and self.qualnames(value.func) & LOOP_FACTORY_QUALNAMES):
                return False
        return True

    def is_spawn(self, call: cst.Call) -> bool:
        if self.qualnames(call.func) & SPAWN_QUALNAMES:
            return True
        func = call.func
        return isinstance(func, cst.Attribute) and func.attr.value == "create_task" and self.is_loop_expr(func.value)

    # -- ownership --------------------------------------------------------------------------------
    def kind(self, call: cst.Call) -> str:
        parent = self.parent(call)
        if isinstance(parent, cst.Expr):
            return BARE
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is call:
            if isinstance(parent, cst.Assign):
                if len(parent.targets) != 1:
                    return UNKNOWN
                target = parent.targets[0].target
            else:
                target = parent.target
            if isinstance(target, cst.Name):
                return LOCAL
            if isinstance(target, cst.Attribute):
                return SELF if isinstance(target.value, cst.Name) and target.value.value == "self" else OWNED
            if isinstance(target, cst.Subscript):
                return OWNED
            return UNKNOWN
        if isinstance(parent, (cst.Await, cst.Return, cst.Yield, cst.From, cst.Lambda)):
            return OWNED
        if (
            isinstance(parent, cst.Attribute)
            and parent.attr.value == "cancel"
            and isinstance(self.parent(parent), cst.Call)
        ):
            return OWNED  # `create_task(...).cancel()`
        if isinstance(parent, (cst.Arg, cst.Element, cst.StarredElement, cst.DictElement, cst.StarredDictElement)):
            return OWNED
        if isinstance(parent, (cst.ListComp, cst.SetComp, cst.GeneratorExp)) and parent.elt is call:
            return OWNED
        if isinstance(parent, cst.DictComp) and call in (parent.key, parent.value):
            return OWNED
        return UNKNOWN

    def enclosing(self, node: cst.CSTNode) -> cst.FunctionDef | cst.ClassDef | None:
        cur = self.parent(node)
        while cur is not None and not isinstance(cur, (cst.FunctionDef, cst.ClassDef)):
            cur = self.parent(cur)
        return cur

    def local_ownership(self, target: cst.Name, func: cst.FunctionDef | None) -> str | None:
        """None when the variable keeps no task alive; else OWNED or a skip reason."""
        if func is not None:
            for stmt in _walk(func.body, into_scopes=False):
                if isinstance(stmt, (cst.Global, cst.Nonlocal)) and any(
                    n.name.value == target.value for n in stmt.names
                ):
                    return REASON_GLOBAL.format(kind="global" if isinstance(stmt, cst.Global) else "nonlocal")
        scope = self.get_metadata(ScopeProvider, target)
        for assignment in scope.assignments[target.value]:
            if assignment.scope is not scope:
                continue
            for access in assignment.references:
                node = access.node
                parent = self.parent(node)
                grand = self.parent(parent) if parent is not None else None
                if (
                    isinstance(parent, cst.Attribute)
                    and parent.value is node
                    and parent.attr.value in NON_OWNING_METHODS
                    and isinstance(grand, cst.Call)
                    and grand.func is parent
                ):
                    continue
                return OWNED
        return None

    # -- names ------------------------------------------------------------------------------------
    def names_in(self, func: cst.FunctionDef) -> set[str]:
        if func not in self._names_cache:
            self._names_cache[func] = {n.value for n in _walk(func) if isinstance(n, cst.Name)}
        return self._names_cache[func]

    def fresh(self, func: cst.FunctionDef, candidates: Sequence[str]) -> str:
        taken = self.names_in(func)
        for cand in candidates:
            if cand not in taken and not keyword.iskeyword(cand):
                taken.add(cand)
                return cand
        base, n = candidates[0], 2
        while f"{base}_{n}" in taken:
            n += 1
        taken.add(f"{base}_{n}")
        return f"{base}_{n}"

    # -- the guard expression and its import ------------------------------------------------------
    def setup_guard(self) -> None:
        """Decide, once per module, the guard expression, the name it depends on, and its import."""
        if self.guard is not None:
            module, obj = self.guard
            self.guard_head, self.guard_qualname = obj, f"{module}.{obj}"
            self.guard_expr = f"{obj}()"
            self.import_needed = (module, obj)
            return
        style = self._import_style()
        if style == "from":
            self.guard_head, self.guard_qualname = "ExitStack", "contextlib.ExitStack"
            self.guard_expr = "ExitStack()"
            self.import_needed = ("contextlib", "ExitStack")
        else:
            self.guard_head, self.guard_qualname = style, "contextlib"
            self.guard_expr = f"{style}.ExitStack()"
            self.import_needed = ("contextlib", None) if style == "contextlib" else None

    def name_free(self, func: cst.FunctionDef, head: str) -> bool:
        """`head` means nothing here but what the guard needs (or is not bound yet) inside `func`."""
        scope = self.get_metadata(ScopeProvider, func.body.body[0], None)
        if scope is None:
            return False
        bound = {q.name for q in scope.get_qualified_names_for(head)}
        wanted = "builtins.set" if head == "set" else self.guard_qualname
        return not bound or bound == {wanted}

    def _import_style(self) -> str:
        """"from" for `from contextlib import ExitStack`, else the name `contextlib` is bound to."""
        plain_asyncio = from_asyncio = False
        for stmt in self.module.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                continue
            for small in stmt.body:
                if isinstance(small, cst.Import):
                    for alias in small.names:
                        name = _dotted(alias.name)
                        if name == "contextlib":
                            return alias.asname.name.value if alias.asname else "contextlib"
                        if name == "asyncio":
                            plain_asyncio = True
                elif isinstance(small, cst.ImportFrom) and small.module is not None and not small.relative:
                    name = _dotted(small.module)
                    if name == "contextlib":
                        return "from"
                    if name.split(".")[0] == "asyncio":
                        from_asyncio = True
        return "from" if from_asyncio and not plain_asyncio else "contextlib"

    def existing_guard(self, stmt: cst.BaseStatement) -> str | None:
        """The `as` name of `stmt` when it is already a guard `with` of the kind we generate."""
        if not isinstance(stmt, cst.With):
            return None
        wanted = {f"{self.guard[0]}.{self.guard[1]}"} if self.guard else EXIT_STACK_QUALNAMES
        for item in stmt.items:
            if (
                isinstance(item.item, cst.Call)
                and not item.item.args
                and self.qualnames(item.item.func) & wanted
                and item.asname is not None
                and isinstance(item.asname.name, cst.Name)
            ):
                return item.asname.name.value
        return None

    # -- the visit --------------------------------------------------------------------------------
    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._stack:
            self._parents[node] = self._stack[-1]
        self._stack.append(node)
        if isinstance(node, cst.Call) and _may_spawn(node):
            self._calls.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._stack.pop()
        if isinstance(original_node, cst.Module):
            # every parent is known now: decide, spawn by spawn, in source order
            for call in self._calls:
                if self.is_spawn(call):
                    self.analyze(call)
            for plan in list(self.plans.values()):
                self.finish(plan)

    def analyze(self, node: cst.Call) -> None:
        kind = self.kind(node)
        if kind == OWNED:
            return
        owner = self.enclosing(node)
        if kind == SELF:
            self.guard_on_self(node, owner)
            return
        if kind == LOCAL and not isinstance(owner, cst.ClassDef):
            verdict = self.local_ownership(_assign_target(self.parent(node)), owner)
            if verdict == OWNED:
                return
            if verdict is not None:
                self.skip(node, verdict)
                return
        if kind == UNKNOWN:
            kind_name = type(self.parent(node)).__name__
            where = _EXPRESSION_NAMES.get(kind_name, f"an expression ({kind_name})")
            self.skip(node, REASON_UNKNOWN.format(where=where))
            return
        if owner is None:
            self.skip(node, REASON_MODULE)
            return
        if isinstance(owner, cst.ClassDef):
            self.skip(node, REASON_CLASS)
            return
        if owner.asynchronous is None:
            self.skip(node, REASON_SYNC)
            return
        if self.passes_through(node):
            self.skip(node, REASON_FUTURE)
            return
        self.plan_guard(node, kind, owner)

    def passes_through(self, call: cst.Call) -> bool:
        """`ensure_future(x)` of anything but a call: x may be a future someone else owns, which
        ensure_future returns as it is; cancelling it here would cancel their future."""
        if not {q for q in self.qualnames(call.func) if q.endswith(".ensure_future")}:
            return False
        first = call.args[0].value if call.args and not call.args[0].keyword and not call.args[0].star else None
        return not isinstance(first, cst.Call)

    def guard_on_self(self, node: cst.Call, owner) -> None:
        """`self.attr = spawn(...)`: owned if the class uses the attribute; else cancel it on close."""
        cls = self.enclosing(owner) if isinstance(owner, cst.FunctionDef) else None
        target = _assign_target(self.parent(node))
        attr = target.attr.value  # type: ignore[attr-defined]
        if not isinstance(cls, cst.ClassDef) or not isinstance(cls.body, cst.IndentedBlock):
            self.skip(node, REASON_SELF.format(cls="its class"))
            return
        if _class_uses_attr(cls, attr):
            return  # awaited, cancelled, passed on... somewhere in the class: owned
        methods = {s.name.value: s for s in cls.body.body if isinstance(s, cst.FunctionDef)}
        close = next((methods[m] for m in CLOSE_METHODS if m in methods), None)
        if close is None:
            self.skip(node, REASON_SELF.format(cls=cls.name.value))
            return
        where = f"{cls.name.value}.{close.name.value}()"
        init = methods.get("__init__")
        if init is None or not _init_sets_attr(init, attr):
            self.skip(node, REASON_SELF_UNSET.format(cls=cls.name.value, attr=attr, where=where))
            return
        if close is owner or not isinstance(close.body, cst.IndentedBlock):
            self.skip(node, REASON_SELF_CLOSE.format(where=where))
            return
        attrs = self.close_plans.setdefault(close, [])
        if attr not in attrs:
            attrs.append(attr)
        self.changes.append((*self.pos(node), f"task `self.{attr}` is now cancelled in {where}"))

    def plan_guard(self, call: cst.Call, kind: str, func: cst.FunctionDef) -> None:
        if not isinstance(func.body, cst.IndentedBlock):
            self.skip(call, REASON_ONE_LINE.format(func=func.name.value))
            return
        coro = call.args[0].value if call.args and not call.args[0].keyword and not call.args[0].star else None
        if (
            isinstance(coro, cst.Call)
            and isinstance(coro.func, cst.Attribute)
            and isinstance(coro.func.value, cst.Name)
            and coro.func.value.value in ("self", "cls")
            and isinstance(self.enclosing(func), cst.ClassDef)
        ):
            # uvicorn's Lifespan.startup() spawns self.main(), which shutdown() later talks to
            self.skip(call, REASON_OWN_COROUTINE.format(coro=_short_code(self.module.code_for_node(coro)), func=func.name.value))
            return
        small = self.parent(call)
        line = self.parent(small)
        assert isinstance(line, (cst.SimpleStatementLine, cst.SimpleStatementSuite))
        if not self.awaits_after(call, line, func):
            self.skip(call, REASON_NO_AWAIT.format(func=func.name.value))
            return
        plan = self.plans.setdefault(func, _FunctionPlan(func))
        top = self.top_level_index(line, func)
        existing = self.existing_guard(func.body.body[top])
        if existing is not None and self.guard is None and self.in_loop(line, func):
            existing = None  # an ExitStack would keep every task the loop starts: use a task set
        if existing is None:
            # a spawn outside any guard the function already has: it gets the function's new guard,
            # which wraps everything from the first such spawn's statement to the end
            if plan.start < 0:
                plan.start = top
            plan.in_loop = plan.in_loop or self.in_loop(line, func)
        if kind == BARE:
            var = self.fresh(func, _task_names(call))
        else:
            var = _assign_target(small).value
        plan.spawns.append(_Guarded(call, small, line, var, kind == BARE, existing))

    def finish(self, plan: _FunctionPlan) -> None:
        """Choose the form and the names of a function's new guard; write every registration."""
        func = plan.func
        if plan.start >= 0:
            if self.guard is not None:
                plan.form, head = CUSTOM, self.guard_head
            elif plan.in_loop:
                # an ExitStack would keep every task of a long-running loop until the function ends
                plan.form, head = TASK_SET, "set"
            else:
                plan.form, head = STACK, self.guard_head
            if not self.name_free(func, head):
                for g in [g for g in plan.spawns if g.existing is None]:
                    self.skip(g.call, REASON_NAME_TAKEN.format(name=head))
                    plan.spawns.remove(g)
                plan.start = -1
            elif plan.form == TASK_SET:
                plan.guard_name = self.fresh(func, ("tasks", "background_tasks", "spawned_tasks"))
                plan.loop_var = self.fresh(func, ("task", "pending_task"))
            else:
                names = ("tasks", "guarded_tasks") if plan.form == CUSTOM else ("stack", "task_stack")
                plan.guard_name = self.fresh(func, names)
        for g in plan.spawns:
            name = g.existing or plan.guard_name
            if g.existing is None and plan.form == TASK_SET:
                g.register = [f"{name}.add({g.var})", f"{g.var}.add_done_callback({name}.discard)"]
            elif self.guard is not None:
                g.register = [f"{name}.add({g.var})"]
            else:
                g.register = [f"{name}.callback({g.var}.cancel)"]
            self.changes.append((*self.pos(g.call), f"task `{g.var}` is now cancelled when {func.name.value}() exits"))
        if not plan.spawns:
            del self.plans[func]

    def in_loop(self, node: cst.CSTNode, func: cst.FunctionDef) -> bool:
        cur = self.parent(node)
        while cur is not None and cur is not func:
            if isinstance(cur, (cst.For, cst.While)):
                return True
            cur = self.parent(cur)
        return False

    def top_level_index(self, node: cst.CSTNode, func: cst.FunctionDef) -> int:
        cur = node
        while True:
            parent = self.parent(cur)
            if parent is func.body:
                return func.body.body.index(cur)
            cur = parent

    def awaits_after(self, call: cst.Call, line: cst.CSTNode, func: cst.FunctionDef) -> bool:
        """Does every way out of `func` after the spawn pass an `await` (or `yield`, `async for`,
        `async with`)? If one does not, the guard would cancel the task before it ever runs.

        Walks up from the spawn: what follows it on its line and in each enclosing block, the
        `else`/`finally` of an enclosing `try`, the next iteration of an enclosing loop. A `return`
        or `raise` met before an await is a way out without one; `break`/`continue` lead to what
        follows the loop / its next iteration. A loop whose body awaits is taken to run at least
        once. Exceptions raised by other statements are not followed (the function fails anyway).
        """
        small = self.parent(call)
        smalls = list(line.body)  # type: ignore[attr-defined]
        verdict = _must_suspend(smalls[smalls.index(small) + 1 :])
        if verdict != _FALL:
            return verdict == _SUSPENDS
        node: cst.CSTNode = line
        while True:
            parent = self.parent(node)
            if parent is None or parent is func:
                return False  # fell off the end of the function
            after: Sequence[cst.CSTNode] = ()
            if isinstance(parent, cst.IndentedBlock):
                after = parent.body[parent.body.index(node) + 1 :]
            elif isinstance(parent, (cst.For, cst.With)) and parent.asynchronous is not None:
                return True  # the next `__anext__` / the `__aexit__` awaits
            elif isinstance(parent, (cst.For, cst.While)) and node is parent.body:
                again = _must_suspend(parent.body.body)  # type: ignore[attr-defined]  # the next iteration
                if again == _LEAVES:
                    return False
                if again == _SUSPENDS and isinstance(parent, cst.While) and _is_true(parent.test):
                    return True  # `while True:` only ends by break/return, after its body ran again
            elif isinstance(parent, (cst.Try, cst.TryStar)):
                if node is parent.body and parent.orelse is not None:
                    after = [*parent.orelse.body.body]  # type: ignore[attr-defined]
                if node is not parent.finalbody and parent.finalbody is not None:
                    after = [*after, *parent.finalbody.body.body]  # type: ignore[attr-defined]
            verdict = _must_suspend(after)
            if verdict in (_SUSPENDS, _LEAVES):
                return verdict == _SUSPENDS
            node = parent  # fell through, or broke out of / continued a loop: look further out


# `_must_suspend` verdicts for running a sequence of statements from its start
_SUSPENDS = "suspends"  # every path through it awaits before leaving it
_LEAVES = "leaves"  # some path returns or raises before any await
_BREAKS = "breaks"  # some path breaks / continues the innermost loop before any await
_FALL = "falls through"  # some path reaches its end without an await (and none leaves early)


def _combine(verdicts: Iterable[str]) -> str:
    verdicts = list(verdicts)
    for worst in (_LEAVES, _BREAKS):
        if worst in verdicts:
            return worst
    return _SUSPENDS if verdicts and all(v == _SUSPENDS for v in verdicts) else _FALL


def _must_suspend(stmts: Sequence[cst.CSTNode]) -> str:
    for stmt in stmts:
        verdict = _must_suspend_stmt(stmt)
        if verdict != _FALL:
            return verdict
    return _FALL


def _block(node: cst.CSTNode | None) -> Sequence[cst.CSTNode]:
    if node is None:
        return ()
    body = getattr(node, "body", ())
    return getattr(body, "body", body) if not isinstance(body, (list, tuple)) else body


def _must_suspend_stmt(stmt: cst.CSTNode) -> str:
    if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
        return _must_suspend(stmt.body)
    if isinstance(stmt, (cst.Return, cst.Raise)):
        expr = stmt.value if isinstance(stmt, cst.Return) else stmt.exc
        return _SUSPENDS if expr is not None and _definitely_awaits(expr) else _LEAVES
    if isinstance(stmt, (cst.Break, cst.Continue)):
        return _BREAKS
    if isinstance(stmt, cst.BaseSmallStatement):
        return _SUSPENDS if _definitely_awaits(stmt) else _FALL
    if isinstance(stmt, cst.If):
        if _definitely_awaits(stmt.test):
            return _SUSPENDS
        orelse = stmt.orelse
        other = _must_suspend_stmt(orelse) if isinstance(orelse, cst.If) else _must_suspend(_block(orelse))
        return _combine([_must_suspend(_block(stmt)), other])
    if isinstance(stmt, (cst.For, cst.With)) and stmt.asynchronous is not None:
        return _SUSPENDS
    if isinstance(stmt, (cst.For, cst.While)):
        if _definitely_awaits(stmt.iter if isinstance(stmt, cst.For) else stmt.test):
            return _SUSPENDS
        body = _must_suspend(_block(stmt))  # taken to run at least once; its break/continue stay inside
        if body in (_SUSPENDS, _LEAVES):
            return body
        return _LEAVES if _must_suspend(_block(stmt.orelse)) == _LEAVES else _FALL
    if isinstance(stmt, cst.With):
        if any(_definitely_awaits(item.item) for item in stmt.items):
            return _SUSPENDS
        return _must_suspend(_block(stmt))
    if isinstance(stmt, (cst.Try, cst.TryStar)):
        # handlers run only on exceptions, which are not followed
        if stmt.finalbody is not None and _must_suspend(_block(stmt.finalbody)) == _SUSPENDS:
            return _SUSPENDS
        return _must_suspend([*_block(stmt), *_block(stmt.orelse)])
    if isinstance(stmt, cst.Match):
        return _combine(_must_suspend(_block(case)) for case in stmt.cases) if _has_default(stmt) else (
            _LEAVES if any(_must_suspend(_block(c)) == _LEAVES for c in stmt.cases) else _FALL
        )
    return _FALL  # def, class, anything else: runs no await of this function


def _has_default(match: cst.Match) -> bool:
    return any(
        isinstance(case.pattern, cst.MatchAs) and case.pattern.pattern is None and case.guard is None
        for case in match.cases
    )


def _is_true(test: cst.BaseExpression) -> bool:
    return (isinstance(test, cst.Name) and test.value == "True") or (
        isinstance(test, cst.Integer) and test.value not in ("0", "0x0", "0o0", "0b0")
    )


_CONDITIONAL = (
    cst.BooleanOperation, cst.IfExp, cst.ListComp, cst.SetComp, cst.DictComp, cst.GeneratorExp, cst.Lambda,
    cst.FunctionDef, cst.ClassDef,
)


def _definitely_awaits(node: cst.CSTNode) -> bool:
    """An await that runs whenever `node` runs (not behind `and`/`or`, `x if c else y`, a comprehension)."""
    stack = [node]
    while stack:
        cur = stack.pop()
        if isinstance(cur, (cst.Await, cst.Yield)):
            return True
        if cur is not node and isinstance(cur, _CONDITIONAL):
            if isinstance(cur, cst.BooleanOperation):
                stack.append(cur.left)  # the left operand always runs
            elif isinstance(cur, cst.IfExp):
                stack.append(cur.test)
            continue
        stack.extend(cur.children)
    return False


def _may_spawn(call: cst.Call) -> bool:
    """Cheap shape test before any name resolution: `name(...)` or `x.create_task/ensure_future(...)`."""
    func = call.func
    return isinstance(func, cst.Name) or (
        isinstance(func, cst.Attribute) and func.attr.value in SPAWN_FUNCTIONS
    )


def _is_self_attr(node: cst.CSTNode, attr: str) -> bool:
    return (
        isinstance(node, cst.Attribute)
        and node.attr.value == attr
        and isinstance(node.value, cst.Name)
        and node.value.value == "self"
    )


def _class_uses_attr(cls: cst.ClassDef, attr: str) -> bool:
    """Does any method read `self.attr` in a way that owns the task (anything but a store or a
    non-owning method call such as `self.attr.add_done_callback(...)`)?"""
    stores: set[int] = set()
    non_owning: set[int] = set()
    for node in _walk(cls):
        if isinstance(node, cst.AssignTarget) or isinstance(node, (cst.AnnAssign, cst.AugAssign)):
            stores.add(id(node.target))
        elif isinstance(node, cst.Del):
            stores.add(id(node.target))
        elif (
            isinstance(node, cst.Call)
            and isinstance(node.func, cst.Attribute)
            and node.func.attr.value in NON_OWNING_METHODS
        ):
            non_owning.add(id(node.func.value))
    return any(
        _is_self_attr(node, attr) and id(node) not in stores and id(node) not in non_owning
        for node in _walk(cls)
    )


def _init_sets_attr(init: cst.FunctionDef, attr: str) -> bool:
    """`self.attr = ...` runs unconditionally in __init__ (a statement of its body, not nested)."""
    if not isinstance(init.body, cst.IndentedBlock):
        return False
    for stmt in init.body.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and any(_is_self_attr(t.target, attr) for t in small.targets):
                    return True
                if isinstance(small, cst.AnnAssign) and small.value is not None and _is_self_attr(small.target, attr):
                    return True
    return False


def _walk(node: cst.CSTNode, into_scopes: bool = True) -> Iterable[cst.CSTNode]:
    stack = [node]
    while stack:
        cur = stack.pop()
        yield cur
        if not into_scopes and cur is not node and isinstance(cur, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(reversed(cur.children))


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _assign_target(stmt: cst.CSTNode) -> cst.Name:
    if isinstance(stmt, cst.Assign):
        return stmt.targets[0].target  # type: ignore[return-value]
    return stmt.target  # type: ignore[union-attr,return-value]


def _task_names(call: cst.Call) -> tuple[str, ...]:
    """Names for the task of a bare spawn, as a person would write them: `heartbeat_task`."""
    base = ""
    if call.args and isinstance(call.args[0].value, cst.Call):
        func = call.args[0].value.func
        if isinstance(func, cst.Name):
            base = func.value
        elif isinstance(func, cst.Attribute):
            base = func.attr.value
    base = base.strip("_").lower()
    if not base or not base.isidentifier():
        return ("task", "background_task")
    name = base if base == "task" or base.endswith("_task") else f"{base}_task"
    return (name, "task", "background_task")


class _Rewriter(cst.CSTTransformer):
    def __init__(
        self,
        plans: Mapping[cst.FunctionDef, _FunctionPlan],
        guard_expr: str,
        close_plans: Mapping[cst.FunctionDef, list[str]],
    ) -> None:
        super().__init__()
        self.plans = plans
        self.close_plans = close_plans
        self.guard_expr = guard_expr
        self.by_small: dict[cst.CSTNode, tuple[_Guarded, _FunctionPlan]] = {}
        self.lines: set[cst.CSTNode] = set()
        for plan in plans.values():
            for g in plan.spawns:
                self.by_small[g.small] = (g, plan)
                self.lines.add(g.line)

    @staticmethod
    def _register(g: _Guarded) -> list[cst.BaseSmallStatement]:
        return [cst.parse_statement(code + "\n").body[0] for code in g.register]  # type: ignore[attr-defined]

    def _expand(self, original, updated):
        """New small statements for a line: bare spawns named, each followed by its registration."""
        out: list[cst.BaseSmallStatement] = []
        for orig_small, new_small in zip(original.body, updated.body):
            hit = self.by_small.get(orig_small)
            if hit is None:
                out.append(new_small)
                continue
            g, plan = hit
            if g.bare:
                assert isinstance(new_small, cst.Expr)
                new_small = cst.Assign(
                    targets=[cst.AssignTarget(cst.Name(g.var))],
                    value=new_small.value,
                    semicolon=new_small.semicolon,
                )
            out.append(new_small)
            out.extend(self._register(g))
        return out

    def leave_SimpleStatementLine(self, original_node, updated_node):
        if original_node not in self.lines:
            return updated_node
        smalls = self._expand(original_node, updated_node)
        if len(original_node.body) == 1:
            # one statement per line, as the original: the registration gets its own line
            first = updated_node.with_changes(body=[smalls[0].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)])
            return cst.FlattenSentinel([first, *(cst.SimpleStatementLine(body=[s]) for s in smalls[1:])])
        return updated_node.with_changes(body=_fix_semicolons(smalls))

    def leave_SimpleStatementSuite(self, original_node, updated_node):
        if original_node not in self.lines:
            return updated_node
        return updated_node.with_changes(body=_fix_semicolons(self._expand(original_node, updated_node)))

    def leave_FunctionDef(self, original_node, updated_node):
        plan = self.plans.get(original_node)
        if plan is not None and plan.start >= 0:
            body = list(updated_node.body.body)
            first = body[plan.start]
            guarded = cst.IndentedBlock(body=[first.with_changes(leading_lines=()), *body[plan.start + 1 :]])
            if plan.form == TASK_SET:
                init = cst.parse_statement(f"{plan.guard_name} = set()\n").with_changes(leading_lines=first.leading_lines)
                template = cst.parse_statement(
                    f"try:\n    pass\nfinally:\n    for {plan.loop_var} in {plan.guard_name}:\n"
                    f"        {plan.loop_var}.cancel()\n"
                )
                new = [init, template.with_changes(body=guarded)]  # type: ignore[union-attr]
            else:
                new = [
                    cst.With(
                        items=[
                            cst.WithItem(
                                item=cst.parse_expression(self.guard_expr),
                                asname=cst.AsName(name=cst.Name(plan.guard_name)),
                            )
                        ],
                        body=guarded,
                        leading_lines=first.leading_lines,
                    )
                ]
            updated_node = updated_node.with_changes(
                body=updated_node.body.with_changes(body=[*body[: plan.start], *new])
            )
        attrs = self.close_plans.get(original_node)
        if attrs:
            # a close method cancels the tasks its class stores on self, first thing (after a docstring)
            body = list(updated_node.body.body)
            at = 1 if body and _is_docstring(body[0]) else 0
            cancels = [
                cst.parse_statement(f"if self.{attr} is not None:\n    self.{attr}.cancel()\n")
                for attr in attrs
            ]
            updated_node = updated_node.with_changes(
                body=updated_node.body.with_changes(body=[*body[:at], *cancels, *body[at:]])
            )
        return updated_node


def _is_docstring(stmt: cst.CSTNode) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _fix_semicolons(smalls: list[cst.BaseSmallStatement]) -> list[cst.BaseSmallStatement]:
    """Every statement but the last is followed by `; `; the last has none."""
    out = []
    for i, s in enumerate(smalls):
        if i < len(smalls) - 1:
            if not isinstance(s.semicolon, cst.Semicolon):
                s = s.with_changes(
                    semicolon=cst.Semicolon(whitespace_after=cst.SimpleWhitespace(" "))
                )
        else:
            s = s.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        out.append(s)
    return out


def _plain_import_name(stmt: cst.CSTNode) -> str | None:
    """`x.y` for a top-level line holding exactly `import x.y` (or `import x.y as z`)."""
    if (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Import)
        and len(stmt.body[0].names) == 1
    ):
        return _dotted(stmt.body[0].names[0].name)
    return None


def _add_import(module: cst.Module, mod: str, obj: str | None) -> cst.Module:
    """Add `import mod` / `from mod import obj` once, where the file's own import block puts it.

    A plain import goes into the file's run of `import x` lines that holds `import asyncio`: at
    its alphabetical place when the run is sorted, else at its end. Anything else is left to
    LibCST's AddImportsVisitor, which merges into an existing `from mod import ...` or appends
    after the last import.
    """
    body = list(module.body)
    if obj is None:
        if any(_plain_import_name(s) == mod for s in body):
            return module
        runs: list[list[int]] = []
        for i, stmt in enumerate(body):
            name = _plain_import_name(stmt)
            if name is None:
                continue
            if runs and runs[-1][-1] == i - 1 and not stmt.leading_lines:  # type: ignore[attr-defined]
                runs[-1].append(i)
            else:
                runs.append([i])
        run = next((r for r in runs if any(_plain_import_name(body[i]) == "asyncio" for i in r)), None)
        if run is not None:
            names = [_plain_import_name(body[i]) or "" for i in run]
            if names == sorted(names):
                at = next((i for i, n in zip(run, names) if n > mod), run[-1] + 1)
            else:
                at = run[-1] + 1  # an unsorted run: its end, still among its own kind of imports
            new_line = cst.parse_statement(f"import {mod}\n")
            if at == run[0]:
                new_line = new_line.with_changes(leading_lines=body[at].leading_lines)  # type: ignore[attr-defined]
                body[at] = body[at].with_changes(leading_lines=())  # type: ignore[attr-defined]
            body.insert(at, new_line)
            return module.with_changes(body=body)
    context = CodemodContext()
    AddImportsVisitor.add_needed_import(context, mod, obj)
    return AddImportsVisitor(context).transform_module(module)


@register
class TaskGuard(Transform):
    """Give every task a spawner forgets an owner: the function that spawned it, or its object.

    ## What it does
    Finds tasks started with `asyncio.create_task`, `asyncio.ensure_future`, or `loop.create_task`
    (through any import alias, and for any `loop` obtained from `asyncio.get_running_loop()` /
    `get_event_loop()` or annotated `asyncio.AbstractEventLoop`) that nothing owns: the spawn is a
    bare statement, or its task is stored in a local that the function never awaits, cancels,
    returns, yields, passes to another call, or stores anywhere. It wraps the first such spawn and
    the rest of the function body in one `contextlib.ExitStack` per function and registers
    `stack.callback(task.cancel)` after each unowned spawn, so the task is cancelled when the
    function exits: normally, by `return`, or by an exception (including its own cancellation).

    A sync `with contextlib.ExitStack()` is used rather than `AsyncExitStack` or a hand-written
    `try/finally`: it adds no `await` (so no new suspension point, no change in how the function
    interleaves with other tasks), is one statement and one extra indentation level however many
    tasks the function spawns, and its callbacks run on every way out. `task.cancel` is only
    requested, not awaited: the minimum change that gives the task an owner.

    When a spawn is inside a loop, an ExitStack would hold every task the loop ever started until
    the function ends (without bound, for a `while True:` dispatcher). Such functions get the
    asyncio docs' task-set pattern instead, with the cancel in a `finally`:
    `tasks = set()`, `try:` ... `tasks.add(task)` and `task.add_done_callback(tasks.discard)`
    after each spawn ... `finally: for task in tasks: task.cancel()`. Finished tasks leave the set.

    Spawns that are already owned are never touched: `TaskGroup.create_task`, anyio/trio nursery
    spawns, a task awaited or cancelled later (including in a `try/finally`), passed to `gather`,
    `wait`, `wait_for`, `shield` or any other call, returned, yielded, or kept in a container (the
    asyncio docs' `background_tasks.add(task)` pattern). Docstrings, `global`/`nonlocal`
    statements and everything before the first spawn stay where they are; a spawn inside a loop or
    an `if` is registered where it happens, but the guard covers the whole rest of the function, so
    the tasks live until the function exits, not until the end of the loop iteration.

    A project can use its own guard instead:

    ```toml
    [tool.codemod.task-guard]
    guard = "pkg.tasks:task_guard"
    ```

    The transform then writes `from pkg.tasks import task_guard`, `with task_guard() as tasks:`,
    and `tasks.add(task)` after each spawn: `task_guard()` must return a context manager whose
    value has an `add(task)` method and which cancels the added tasks on exit.

    A task stored on `self` belongs to the object, not the function. When the class never uses the
    attribute otherwise, sets it in `__init__` (so it always exists), and has an `aclose()`,
    `close()`, `stop()` or `__aexit__()` (the first of these it has), that method gets
    `if self._task is not None: self._task.cancel()` as its first statement, after its docstring.

    Left alone and reported, with the reason: spawns in a sync function, at module level or in a
    class body; tasks stored on `self` when the class has no such method or `__init__` does not set
    the attribute; tasks stored in a `global`/`nonlocal`; spawns inside expressions the transform
    does not follow; `ensure_future(x)` of a value rather than a call (`x` may be a future owned
    elsewhere); a method's spawn of the object's own coroutine (`create_task(self.main())` in
    `startup()`: a lifecycle task that later methods talk to, which belongs to the object, not to the
    call); and spawns after which some way out of the function (falling off its end, a
    `return`, an explicit `raise`) passes no `await`, `yield`, `async for` or `async with`: the
    guard would cancel such a task before it ever runs, so it is clearly meant to outlive the
    function. (A loop whose body awaits is taken to run at least once; exceptions raised by other
    statements are not followed.)

    ## Why is this bad?
    A task nothing owns keeps running after the code that started it is gone, and its exceptions
    are only logged when it is garbage-collected. Worse, the event loop keeps only a weak reference
    to tasks, so an unreferenced task can disappear mid-run (see the warning in the docs of
    `asyncio.create_task`). ruff's RUF006 and flake8-async's ASYNC300 report the bare statement;
    this transform gives the task an owner.

    ## Example
    ```python
    import asyncio


    async def serve(conn):
        asyncio.create_task(heartbeat(conn))
        while True:
            await conn.handle(await conn.recv())
    ```

    Use instead:

    ```python
    import asyncio
    import contextlib


    async def serve(conn):
        with contextlib.ExitStack() as stack:
            heartbeat_task = asyncio.create_task(heartbeat(conn))
            stack.callback(heartbeat_task.cancel)
            while True:
                await conn.handle(await conn.recv())
    ```

    ## Fix safety
    The fix changes behaviour on purpose: a task that used to outlive its function is now
    cancelled when the function exits. That is the point when the task belongs to the function
    (a heartbeat, a watchdog, a reader for a connection the function serves), but it is wrong for
    fire-and-forget work that is meant to finish on its own (sending a notification, writing a log
    record). Review each guarded spawn; give fire-and-forget tasks a longer-lived owner instead (a
    task set or a `TaskGroup` owned by the service). Cancellation is requested, not awaited, so
    the function does not wait for the task to finish cancelling. Likewise a task stored on `self`
    is now cancelled first thing in the class's close method. Nothing else changes: no new
    `await`, the same statements in the same order, comments kept.
    """

    name = "task-guard"
    fix_safety = UNSAFE
    summary = "Cancel tasks an async function spawns and never awaits, cancels, or stores, when it exits."
    prefilter = (b"create_task", b"ensure_future")
    option_defaults = {"guard": None}

    def __init__(self, options: Mapping[str, Any] | None = None) -> None:
        super().__init__(options)
        self._guard = _guard_option(self.options.get("guard"))

    def index(self, src: SourceInfo, tree: ast.Module) -> tuple[SpawnFact, ...] | None:
        return _AstIndex(tree).facts()

    def rewrite(self, module: cst.Module, file_plan: Any, ctx: RewriteContext) -> cst.Module:
        wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
        analyzer = _Analyzer(ctx, self._guard, wrapper.module)
        wrapper.visit(analyzer)
        if not analyzer.plans and not analyzer.close_plans:
            return module
        rewriter = _Rewriter(analyzer.plans, analyzer.guard_expr, close_plans=analyzer.close_plans)
        new = wrapper.module.visit(rewriter)
        if analyzer.import_needed is not None and any(
            p.start >= 0 and p.form != TASK_SET for p in analyzer.plans.values()
        ):
            new = _add_import(new, *analyzer.import_needed)
        for line, col, message in analyzer.changes:
            ctx.change(line, col, message)
        return new
