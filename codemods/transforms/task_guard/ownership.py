"""Facts on the LibCST tree: which calls spawn asyncio tasks, and who, if anyone, keeps each task.

One pass records parents and the candidate calls; qualified names are asked of the scope for those few
nodes only (QualifiedNameProvider and ParentNodeProvider would each cost a whole extra pass).
"""

from __future__ import annotations

from typing import Iterable

import libcst as cst
from libcst.metadata import ImportAssignment, MetadataWrapper, PositionProvider, ScopeProvider

from .._shared import Positions
from .facts import (
    BARE, CALLBACK_METHOD, COMPREHENSION, GENERATOR, LOCAL, LOOP_CLASS_QUALNAMES, LOOP_FACTORY_QUALNAMES,
    NON_OWNING_METHODS, OWNED, SELF, SPAWN_FUNCTIONS, SPAWN_QUALNAMES, UNKNOWN, looks_like_loop,
)

Function = cst.FunctionDef
Line = (cst.SimpleStatementLine, cst.SimpleStatementSuite)


class _Collect(cst.CSTVisitor):
    def __init__(self) -> None:
        self.parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self.calls: list[cst.Call] = []
        self._stack: list[cst.CSTNode] = []

    def on_visit(self, node: cst.CSTNode) -> bool:
        if self._stack:
            self.parents[node] = self._stack[-1]
        self._stack.append(node)
        if isinstance(node, cst.Call):
            func = node.func
            if isinstance(func, cst.Name) or (isinstance(func, cst.Attribute) and func.attr.value in SPAWN_FUNCTIONS):
                self.calls.append(node)
        return True

    def on_leave(self, original_node: cst.CSTNode) -> None:
        self._stack.pop()


class Tree:
    """A LibCST module with its parents, scopes and positions, resolved once."""

    def __init__(self, module: cst.Module) -> None:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        self.module = wrapper.module
        resolved = wrapper.resolve_many([PositionProvider, ScopeProvider])
        self.scopes = resolved[ScopeProvider]
        self.positions = Positions(self.module, resolved[PositionProvider])
        collect = _Collect()
        self.module.visit(collect)
        self.parents = collect.parents
        self.calls = collect.calls

    def parent(self, node: cst.CSTNode) -> cst.CSTNode | None:
        return self.parents.get(node)

    def code(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)

    def qualnames(self, node: cst.CSTNode) -> set[str]:
        scope = self.scopes.get(node)
        if scope is None:
            return set()
        return {q.name for q in scope.get_qualified_names_for(node)}

    def enclosing(self, node: cst.CSTNode) -> Function | cst.ClassDef | None:
        cur = self.parent(node)
        while cur is not None and not isinstance(cur, (cst.FunctionDef, cst.ClassDef)):
            cur = self.parent(cur)
        return cur

    def enclosing_class(self, func: Function) -> cst.ClassDef | None:
        """The class `func` is a method of (directly in its body), or None."""
        block = self.parent(func)
        cls = self.parent(block) if block is not None else None
        return cls if isinstance(cls, cst.ClassDef) else None

    def line_of(self, node: cst.CSTNode) -> cst.SimpleStatementLine | cst.SimpleStatementSuite | None:
        cur = self.parent(node)
        while cur is not None and not isinstance(cur, Line):
            if isinstance(cur, cst.BaseCompoundStatement):
                return None
            cur = self.parent(cur)
        return cur

    def small_of(self, node: cst.CSTNode) -> cst.BaseSmallStatement | None:
        cur: cst.CSTNode | None = node
        while cur is not None and not isinstance(cur, cst.BaseSmallStatement):
            cur = self.parent(cur)
        return cur

    def is_after(self, node: cst.CSTNode, anchor: cst.CSTNode) -> bool:
        return self.positions.start(node) > self.positions.start(anchor)

    # -- spawn recognition ---------------------------------------------------------------------------------
    def is_loop_expr(self, node: cst.BaseExpression) -> bool:
        if isinstance(node, cst.Call):
            return bool(self.qualnames(node.func) & LOOP_FACTORY_QUALNAMES)
        if is_self_attr(node):
            return self.is_loop_attr(node)  # type: ignore[arg-type]
        if not isinstance(node, cst.Name):
            return False
        scope = self.scopes.get(node)
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

    def is_loop_attr(self, node: cst.Attribute) -> bool:
        """`self._loop` where every assignment of it in the class is `asyncio.get_running_loop()` (or
        another loop factory) or is annotated `asyncio.AbstractEventLoop`."""
        func = self.enclosing(node)
        cls = self.enclosing_class(func) if isinstance(func, cst.FunctionDef) else None
        if cls is None:
            return False
        seen = False
        for stmt in walk(cls):
            if isinstance(stmt, cst.Assign) and any(is_self_attr(t.target, node.attr.value) for t in stmt.targets):
                value, annotation = stmt.value, None
            elif isinstance(stmt, cst.AnnAssign) and is_self_attr(stmt.target, node.attr.value):
                value, annotation = stmt.value, stmt.annotation.annotation
            else:
                continue
            seen = True
            if annotation is not None and self.qualnames(annotation) & LOOP_CLASS_QUALNAMES:
                continue
            if not (isinstance(value, cst.Call) and self.qualnames(value.func) & LOOP_FACTORY_QUALNAMES):
                return False
        return seen

    def is_spawn(self, call: cst.Call) -> bool:
        if self.qualnames(call.func) & SPAWN_QUALNAMES:
            return True
        func = call.func
        return isinstance(func, cst.Attribute) and func.attr.value == "create_task" and self.is_loop_expr(func.value)

    def unknown_receiver(self, call: cst.Call) -> str | None:
        """`self._loop` for `self._loop.create_task(...)` when that may be an event loop nobody proved."""
        func = call.func
        if not (isinstance(func, cst.Attribute) and func.attr.value == "create_task"):
            return None
        text = dotted(func.value)
        return text if text and looks_like_loop(text) and not self.is_spawn(call) else None

    def is_ensure_future(self, call: cst.Call) -> bool:
        return any(q.endswith(".ensure_future") for q in self.qualnames(call.func))

    # -- ownership -----------------------------------------------------------------------------------------
    def kind(self, call: cst.Call) -> str:
        parent = self.parent(call)
        if isinstance(parent, cst.Expr):
            return BARE
        if isinstance(parent, (cst.Assign, cst.AnnAssign)) and parent.value is call:
            target = assign_target(parent)
            if target is None:
                return UNKNOWN
            if isinstance(target, cst.Name):
                return LOCAL
            if isinstance(target, cst.Attribute):
                return SELF if isinstance(target.value, cst.Name) and target.value.value == "self" else OWNED
            return OWNED if isinstance(target, cst.Subscript) else UNKNOWN
        if isinstance(parent, (cst.Await, cst.Return, cst.Yield, cst.From, cst.Lambda)):
            return OWNED
        if isinstance(parent, cst.Attribute) and parent.attr.value == "cancel" and isinstance(self.parent(parent), cst.Call):
            return OWNED  # `create_task(...).cancel()`
        if isinstance(parent, (cst.Arg, cst.Element, cst.StarredElement, cst.DictElement, cst.StarredDictElement)):
            return OWNED
        if isinstance(parent, (cst.ListComp, cst.SetComp, cst.GeneratorExp)) and parent.elt is call:
            return self.comprehension_kind(parent)
        if isinstance(parent, cst.DictComp) and call in (parent.key, parent.value):
            return OWNED
        return UNKNOWN

    def comprehension_kind(self, comp: cst.ListComp | cst.SetComp | cst.GeneratorExp) -> str:
        holder = self.parent(comp)
        if isinstance(holder, cst.Expr):
            return GENERATOR if isinstance(comp, cst.GeneratorExp) else COMPREHENSION
        if isinstance(holder, cst.Assign) and not isinstance(comp, cst.GeneratorExp):
            target = assign_target(holder)
            if isinstance(target, cst.Name) and self.local_uses(target, self.enclosing(holder)) is None:
                return COMPREHENSION  # a list of tasks kept in a local nothing reads
        return OWNED

    def local_uses(self, target: cst.Name, func: cst.CSTNode | None) -> str | None:
        """How a local holding a task is used: None (never: nothing keeps the task), CALLBACK_METHOD
        (only by done-callbacks: they consume its result), OWNED, or a skip reason's key
        ("global"/"nonlocal")."""
        if isinstance(func, cst.FunctionDef):
            for node in walk(func.body, into_scopes=False):
                if isinstance(node, (cst.Global, cst.Nonlocal)) and any(n.name.value == target.value for n in node.names):
                    return "global" if isinstance(node, cst.Global) else "nonlocal"
        scope = self.scopes.get(target)
        if scope is None:
            return OWNED
        verdict = None
        for assignment in scope.assignments[target.value]:
            if assignment.scope is not scope:
                continue
            for access in assignment.references:
                method = self.method_called_on(access.node)
                if method in NON_OWNING_METHODS:
                    continue
                if method == CALLBACK_METHOD:
                    verdict = CALLBACK_METHOD
                    continue
                return OWNED
        return verdict

    def method_called_on(self, node: cst.CSTNode) -> str | None:
        """`m` when `node` is the receiver of a call `node.m(...)`."""
        parent = self.parent(node)
        grand = self.parent(parent) if parent is not None else None
        if isinstance(parent, cst.Attribute) and parent.value is node and isinstance(grand, cst.Call) and grand.func is parent:
            return parent.attr.value
        return None


# -- the task stored on self -----------------------------------------------------------------------------------

CLOSE_METHODS = ("aclose", "close", "stop", "__aexit__")  # the first one a class has ends the object's life
ENDING_NAMES = frozenset({
    "aclose", "close", "stop", "shutdown", "terminate", "disconnect", "dispose", "cleanup", "teardown",
    "__aexit__", "__exit__", "__del__", "async_close", "async_stop", "async_shutdown",
})


def methods_of(cls: cst.ClassDef) -> dict[str, Function]:
    if not isinstance(cls.body, cst.IndentedBlock):
        return {}
    return {s.name.value: s for s in cls.body.body if isinstance(s, cst.FunctionDef)}


def is_self_attr(node: cst.CSTNode, attr: str | None = None) -> bool:
    return (
        isinstance(node, cst.Attribute)
        and (attr is None or node.attr.value == attr)
        and isinstance(node.value, cst.Name)
        and node.value.value == "self"
    )


def class_uses_attr(cls: cst.ClassDef, attr: str) -> bool:
    """Does any method read `self.attr` in a way that owns the task (anything but a store or a
    non-owning method call such as `self.attr.set_name(...)`)?"""
    stores: set[int] = set()
    non_owning: set[int] = set()
    for node in walk(cls):
        if isinstance(node, (cst.AssignTarget, cst.AnnAssign, cst.AugAssign, cst.Del)):
            stores.add(id(node.target))
        elif isinstance(node, cst.Call) and isinstance(node.func, cst.Attribute) and node.func.attr.value in NON_OWNING_METHODS:
            non_owning.add(id(node.func.value))
    return any(is_self_attr(n, attr) and id(n) not in stores and id(n) not in non_owning for n in walk(cls))


def init_sets_attr(init: Function, attr: str) -> bool:
    """`self.attr = ...` runs unconditionally in __init__ (a statement of its body, not nested)."""
    if not isinstance(init.body, cst.IndentedBlock):
        return False
    for stmt in init.body.body:
        if isinstance(stmt, cst.SimpleStatementLine):
            for small in stmt.body:
                if isinstance(small, cst.Assign) and any(is_self_attr(t.target, attr) for t in small.targets):
                    return True
                if isinstance(small, cst.AnnAssign) and small.value is not None and is_self_attr(small.target, attr):
                    return True
    return False


def self_calls(func: Function) -> list[str]:
    """The methods `func` calls on self, in source order: `self.close()`, `await self.connect()`."""
    out = []
    for node in walk(func.body, into_scopes=False):
        if isinstance(node, cst.Call) and is_self_attr(node.func):
            out.append(node.func.attr.value)  # type: ignore[attr-defined]
    return out


# -- small tree helpers ------------------------------------------------------------------------------------------


def walk(node: cst.CSTNode, into_scopes: bool = True) -> Iterable[cst.CSTNode]:
    stack = [node]
    while stack:
        cur = stack.pop()
        yield cur
        if not into_scopes and cur is not node and isinstance(cur, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(reversed(cur.children))


def dotted(node: cst.CSTNode | None) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        head = dotted(node.value)
        return f"{head}.{node.attr.value}" if head else ""
    return ""


def root_name(node: cst.CSTNode | None) -> str | None:
    """`conn` for `conn`, `conn.reader`, `conn.reader.buffer`, else None."""
    while isinstance(node, cst.Attribute):
        node = node.value
    return node.value if isinstance(node, cst.Name) else None


def assign_target(stmt: cst.CSTNode) -> cst.BaseExpression | None:
    if isinstance(stmt, cst.Assign):
        return stmt.targets[0].target if len(stmt.targets) == 1 else None
    if isinstance(stmt, cst.AnnAssign):
        return stmt.target
    return None


def first_arg(call: cst.Call) -> cst.BaseExpression | None:
    if call.args and not call.args[0].keyword and not call.args[0].star:
        return call.args[0].value
    return None
