"""One CPython ``ast`` tree, indexed once: scopes, what names resolve to, enclosing functions.

Audit rules and the transforms' ``index`` step read the same tree (one parse per file). Names are
resolved through imports and aliases, never matched as text: ``nap(1)`` after ``from time import sleep
as nap`` is ``time.sleep``; ``self.sleep(1)``, a local ``open`` and ``asyncio.sleep`` are not.

Resolution is deliberately conservative (precision over recall): a name bound in two different ways
(an import in one branch, an assignment in another) resolves to nothing, and so does a builtin name in
a module with a star import.

``produced_by(expr, at)`` says what made a value: the qualified name of the callable whose call was
assigned to it (``lock = asyncio.Lock()`` -> ``asyncio.Lock``; ``self._q = queue.Queue()`` in any
method of the class -> ``queue.Queue`` for ``self._q``), or of its annotation.
"""

from __future__ import annotations

import ast
import builtins
from dataclasses import dataclass, field
from typing import Iterator, Optional

from .positions import lines_holding, spans_any

_BUILTINS = frozenset(dir(builtins))
FunctionNode = (ast.FunctionDef, ast.AsyncFunctionDef)
ScopeNode = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Module)

# what a binding is: ("import", qualified name) | ("value", expr) | ("annotation", expr) | ("other", None)
Binding = tuple[str, Optional[ast.AST]]


@dataclass
class Scope:
    node: ast.AST
    parent: Optional["Scope"]
    bindings: dict[str, list[tuple[str, object]]] = field(default_factory=dict)
    globals: set[str] = field(default_factory=set)
    nonlocals: set[str] = field(default_factory=set)

    @property
    def is_class(self) -> bool:
        return isinstance(self.node, ast.ClassDef)

    def bind(self, name: str, kind: str, what: object = None) -> None:
        self.bindings.setdefault(name, []).append((kind, what))


@dataclass
class Function:
    node: ast.FunctionDef | ast.AsyncFunctionDef
    qualname: str  # "Class.method", "outer.<locals>.inner" shortened to "outer.inner"
    cls: Optional[ast.ClassDef]  # the class it is a method of (directly)
    parent: Optional["Function"]

    @property
    def is_async(self) -> bool:
        return isinstance(self.node, ast.AsyncFunctionDef)


def dotted(expr: ast.AST) -> Optional[str]:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Name):
        parts.append(expr.id)
        return ".".join(reversed(parts))
    return None


class AstIndex:
    """Scopes, parents and functions of one module. Build it once per tree: ``AstIndex.of(tree)``."""

    _memo: dict[int, tuple[ast.Module, "AstIndex"]] = {}

    @classmethod
    def of(cls, tree: ast.Module, module: str = "", is_package: bool = False, source: Optional[str] = None) -> "AstIndex":
        """The index of ``tree``, shared by every rule and transform that reads it in this process.
        ``source``: the text ``tree`` was parsed from, when known (the index is then built faster)."""
        hit = cls._memo.get(id(tree))
        if hit is not None and hit[0] is tree:
            return hit[1]
        if len(cls._memo) > 8:
            cls._memo.clear()
        index = cls(tree, module, is_package, source)
        cls._memo[id(tree)] = (tree, index)
        return index

    def __init__(self, tree: ast.Module, module: str = "", is_package: bool = False, source: Optional[str] = None) -> None:
        self.tree = tree
        # Only statements bind names, and the walrus: the expressions inside statements (most of a
        # tree's nodes) are walked for what they bind only when they span a line that spells `:=`.
        self._walrus: Optional[list[int]] = None if source is None else lines_holding(source, ":=")
        self.module = module
        self.is_package = is_package
        self.parents: dict[ast.AST, ast.AST] = {}
        self.scopes: dict[ast.AST, Scope] = {}
        self.functions: dict[ast.AST, Function] = {}
        self.star_import = False
        self._class_attrs: dict[ast.ClassDef, dict[str, list[tuple[str, object]]]] = {}
        self._build()

    # -- building ---------------------------------------------------------------------------------
    def _build(self) -> None:
        module_scope = Scope(self.tree, None)
        self.scopes[self.tree] = module_scope
        todo: list[tuple[ast.AST, Scope, Optional[Function], Optional[ast.ClassDef], str]] = [
            (self.tree, module_scope, None, None, "")
        ]
        while todo:
            node, scope, fn, cls, prefix = todo.pop()
            children = node.body if isinstance(node, FunctionNode) else ast.iter_child_nodes(node)
            for child in children:
                self.parents[child] = node
                child_scope, child_fn, child_cls, child_prefix = scope, fn, cls, prefix
                if isinstance(child, FunctionNode):
                    self._bind_target_name(scope, child.name, "other")
                    child_scope = Scope(child, scope)
                    self.scopes[child] = child_scope
                    child_fn = Function(child, prefix + child.name, cls if isinstance(node, ast.ClassDef) else None, fn)
                    self.functions[child] = child_fn
                    self._bind_args(child_scope, child.args)
                    # decorators, defaults and annotations belong to the enclosing scope
                    for sub in [*child.decorator_list, *child.args.defaults, *[d for d in child.args.kw_defaults if d]]:
                        self.parents[sub] = child
                        todo.append((sub, scope, fn, cls, prefix))
                    for sub in self._arg_annotations(child):
                        self.parents[sub] = child
                        todo.append((sub, scope, fn, cls, prefix))
                    for sub in child.body:
                        self._bind_stmt(sub, child_scope)
                    todo.append((child, child_scope, child_fn, None, prefix + child.name + "."))
                    continue
                if isinstance(child, ast.Lambda):
                    child_scope = Scope(child, scope)
                    self.scopes[child] = child_scope
                    self._bind_args(child_scope, child.args)
                elif isinstance(child, ast.ClassDef):
                    self._bind_target_name(scope, child.name, "other")
                    child_scope = Scope(child, scope)
                    self.scopes[child] = child_scope
                    child_cls = child
                    child_prefix = prefix + child.name + "."
                    for sub in child.body:
                        self._bind_stmt(sub, child_scope)
                elif isinstance(child, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                    for gen in child.generators:  # comprehension variables shadow like locals (conservative)
                        for name in _target_names(gen.target):
                            scope.bind(name, "other")
                if node is self.tree and isinstance(child, ast.stmt):
                    self._bind_stmt(child, module_scope)
                todo.append((child, child_scope, child_fn, child_cls, child_prefix))

    @staticmethod
    def _arg_annotations(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.AST]:
        a = fn.args
        out = [x.annotation for x in (*a.posonlyargs, *a.args, *a.kwonlyargs) if x.annotation is not None]
        for x in (a.vararg, a.kwarg):
            if x is not None and x.annotation is not None:
                out.append(x.annotation)
        if fn.returns is not None:
            out.append(fn.returns)
        return out

    def _bind_args(self, scope: Scope, args: ast.arguments) -> None:
        for a in (*args.posonlyargs, *args.args, *args.kwonlyargs):
            scope.bind(a.arg, "annotation" if a.annotation is not None else "other", a.annotation)
        for a in (args.vararg, args.kwarg):
            if a is not None:
                scope.bind(a.arg, "other")

    def _bind_target_name(self, scope: Scope, name: str, kind: str, what: object = None) -> None:
        scope.bind(name, kind, what)

    def _bind_stmt(self, stmt: ast.stmt, scope: Scope) -> None:
        """Record the names ``stmt`` binds in ``scope`` (not descending into nested scopes)."""
        for node in _own_nodes(stmt) if self._walrus is None else _own_statements(stmt, self._walrus):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.asname:
                        scope.bind(alias.asname, "import", alias.name)
                    else:
                        head = alias.name.split(".")[0]
                        scope.bind(head, "import", head)
            elif isinstance(node, ast.ImportFrom):
                base = self._absolute(node.module or "", node.level)
                for alias in node.names:
                    if alias.name == "*":
                        if scope.node is self.tree:
                            self.star_import = True
                        continue
                    scope.bind(alias.asname or alias.name, "import", f"{base}.{alias.name}" if base else alias.name)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        scope.bind(target.id, "value", node.value)
                    else:
                        for name in _target_names(target):
                            scope.bind(name, "other")
            elif isinstance(node, ast.AnnAssign):
                if isinstance(node.target, ast.Name):
                    if node.value is not None:
                        scope.bind(node.target.id, "value", node.value)
                    scope.bind(node.target.id, "annotation", node.annotation)
            elif isinstance(node, ast.AugAssign):
                for name in _target_names(node.target):
                    scope.bind(name, "other")
            elif isinstance(node, ast.NamedExpr):
                target_scope = scope
                while target_scope.is_class and target_scope.parent is not None:
                    target_scope = target_scope.parent
                target_scope.bind(node.target.id, "value", node.value)
            elif isinstance(node, (ast.For, ast.AsyncFor)):
                for name in _target_names(node.target):
                    scope.bind(name, "other")
            elif isinstance(node, (ast.With, ast.AsyncWith)):
                for item in node.items:
                    if item.optional_vars is not None:
                        if isinstance(item.optional_vars, ast.Name):
                            scope.bind(item.optional_vars.id, "value", item.context_expr)
                        else:
                            for name in _target_names(item.optional_vars):
                                scope.bind(name, "other")
            elif isinstance(node, ast.ExceptHandler) and node.name:
                scope.bind(node.name, "other")
            elif isinstance(node, ast.Global):
                scope.globals.update(node.names)
            elif isinstance(node, ast.Nonlocal):
                scope.nonlocals.update(node.names)
            elif isinstance(node, ast.Delete):
                for target in node.targets:
                    for name in _target_names(target):
                        scope.bind(name, "other")
            elif isinstance(node, (ast.MatchAs, ast.MatchStar)) and node.name:
                scope.bind(node.name, "other")
            elif isinstance(node, ast.MatchMapping) and node.rest:
                scope.bind(node.rest, "other")
        # names a `global` statement in a function binds land in the module scope
        if scope.globals and scope.node is not self.tree:
            module = self.scopes[self.tree]
            for name in list(scope.globals):
                if name in scope.bindings:
                    for kind, what in scope.bindings.pop(name):
                        module.bind(name, kind, what)

    def _absolute(self, module: str, level: int) -> str:
        if not level:
            return module
        parts = self.module.split(".") if self.module else []
        if not self.is_package:
            parts = parts[:-1]
        if level > 1:
            parts = parts[: len(parts) - (level - 1)] if level - 1 <= len(parts) else []
        base = ".".join(parts)
        if not base:
            base = "." * level
        return f"{base}.{module}" if module and base and not base.endswith(".") else (base + module if module else base)

    # -- queries ----------------------------------------------------------------------------------
    def scope_of(self, node: ast.AST) -> Scope:
        """The innermost scope ``node`` is evaluated in."""
        cur = self.parents.get(node)
        child = node
        while cur is not None:
            if isinstance(cur, ScopeNode):
                # a function's decorators/defaults are evaluated in the enclosing scope
                if isinstance(cur, FunctionNode) and child not in cur.body and not isinstance(child, ast.arguments):
                    child, cur = cur, self.parents.get(cur)
                    continue
                return self.scopes[cur]
            child, cur = cur, self.parents.get(cur)
        return self.scopes[self.tree]

    def function_of(self, node: ast.AST) -> Optional[Function]:
        """The function whose own body holds ``node`` (a lambda or class in between counts as not)."""
        cur = self.parents.get(node)
        while cur is not None:
            if isinstance(cur, FunctionNode):
                return self.functions[cur]
            if isinstance(cur, (ast.Lambda, ast.ClassDef)):
                return None
            cur = self.parents.get(cur)
        return None

    def enclosing_function(self, node: ast.AST) -> Optional[Function]:
        """The innermost function around ``node``, through lambdas and classes."""
        cur = self.parents.get(node)
        while cur is not None:
            if isinstance(cur, FunctionNode):
                return self.functions[cur]
            cur = self.parents.get(cur)
        return None

    def in_async_body(self, node: ast.AST) -> Optional[Function]:
        """The ``async def`` whose own body runs ``node`` (no sync def, lambda or class in between)."""
        fn = self.function_of(node)
        return fn if fn is not None and fn.is_async else None

    def statement_of(self, node: ast.AST) -> ast.stmt:
        cur = node
        while cur is not None and not isinstance(cur, ast.stmt):
            cur = self.parents.get(cur)
        return cur if cur is not None else node  # type: ignore[return-value]

    def ancestors(self, node: ast.AST) -> Iterator[ast.AST]:
        cur = self.parents.get(node)
        while cur is not None:
            yield cur
            cur = self.parents.get(cur)

    def _lookup(self, name: str, scope: Scope) -> Optional[list[tuple[str, object]]]:
        """The bindings of ``name`` as seen from ``scope``, or None when it is not bound in the module."""
        first = True
        cur: Optional[Scope] = scope
        while cur is not None:
            if name in cur.globals:
                cur = self.scopes[self.tree]
                return cur.bindings.get(name)
            if cur.is_class and not first:
                cur = cur.parent  # class bodies are not visible from their methods
                continue
            if name in cur.bindings:
                return cur.bindings[name]
            first = False
            cur = cur.parent
        return None

    def qualname(self, expr: ast.AST, scope: Optional[Scope] = None) -> Optional[str]:
        """What ``expr`` (a name or an attribute chain on one) refers to: ``time.sleep``, ``builtins.open``.

        None for anything bound locally, bound in two ways, or not known."""
        if isinstance(expr, ast.Name):
            scope = scope or self.scope_of(expr)
            bindings = self._lookup(expr.id, scope)
            if bindings is None:
                if expr.id in _BUILTINS and not self.star_import:
                    return f"builtins.{expr.id}"
                return None
            kinds = {(k, w) for k, w in bindings if k == "import"}
            if len(kinds) == 1 and len(bindings) == len([b for b in bindings if b[0] == "import"]):
                return str(next(iter(kinds))[1])
            return None
        if isinstance(expr, ast.Attribute):
            base = self.qualname(expr.value, scope)
            return f"{base}.{expr.attr}" if base else None
        return None

    def call_name(self, call: ast.AST) -> Optional[str]:
        """The qualified name of the callable a call calls (``None`` if not a call or not known)."""
        if not isinstance(call, ast.Call):
            return None
        return self.qualname(call.func)

    # -- what made a value --------------------------------------------------------------------------
    def produced_by(self, expr: ast.AST) -> Optional[str]:
        """The qualified name of what made the value of ``expr``: the callable a direct call calls, the
        callable whose result was assigned to the name or ``self`` attribute, or their annotation."""
        if isinstance(expr, ast.Call):
            return self.call_name(expr)
        if isinstance(expr, ast.Await):
            return None
        if isinstance(expr, ast.Name):
            scope = self.scope_of(expr)
            bindings = self._lookup(expr.id, scope)
            return self._agree(bindings) if bindings else None
        if isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name) and expr.value.id in ("self", "cls"):
            fn = self.enclosing_function(expr)
            while fn is not None and fn.cls is None:
                fn = fn.parent
            if fn is None or fn.cls is None:
                return None
            return self._agree(self.class_attributes(fn.cls).get(expr.attr))
        return None

    def _agree(self, bindings: Optional[list[tuple[str, object]]]) -> Optional[str]:
        """The one producer every binding agrees on (annotations count), else None."""
        if not bindings:
            return None
        found: set[str] = set()
        for kind, what in bindings:
            if kind == "value" and isinstance(what, ast.Call):
                name = self.call_name(what)
                if name is None:
                    return None
                found.add(name)
            elif kind == "annotation" and isinstance(what, ast.AST):
                name = self.annotation_name(what)
                if name is None:
                    return None
                found.add(name)
            elif kind == "value" and isinstance(what, ast.Constant) and what.value is None:
                continue  # `self._task = None` until it is set
            else:
                return None
        return found.pop() if len(found) == 1 else None

    def annotation_name(self, ann: ast.AST) -> Optional[str]:
        """``asyncio.Lock`` for ``asyncio.Lock``, ``Optional[asyncio.Lock]``, ``asyncio.Lock | None``, ``"asyncio.Lock"``."""
        if isinstance(ann, ast.Constant) and isinstance(ann.value, str):
            try:
                parsed = ast.parse(ann.value, mode="eval").body
            except SyntaxError:
                return None
            # resolve the string's names in the module scope
            name = dotted(parsed)
            if name is None:
                return None
            head, _, rest = name.partition(".")
            bindings = self.scopes[self.tree].bindings.get(head)
            if not bindings or any(k != "import" for k, _ in bindings):
                return None
            base = {str(w) for _, w in bindings}
            return f"{base.pop()}.{rest}".rstrip(".") if len(base) == 1 else None
        if isinstance(ann, ast.Subscript):
            outer = self.qualname(ann.value)
            if outer in ("typing.Optional", "typing.Final", "typing.ClassVar"):
                return self.annotation_name(ann.slice)
            return self.qualname(ann.value)
        if isinstance(ann, ast.BinOp) and isinstance(ann.op, ast.BitOr):
            sides = [s for s in (ann.left, ann.right) if not (isinstance(s, ast.Constant) and s.value is None)]
            if len(sides) == 1:
                return self.annotation_name(sides[0])
            return None
        return self.qualname(ann)

    def class_attributes(self, cls: ast.ClassDef) -> dict[str, list[tuple[str, object]]]:
        """``self.NAME`` / ``cls.NAME`` bindings made by any method of ``cls``, and its class-level names."""
        cached = self._class_attrs.get(cls)
        if cached is not None:
            return cached
        attrs: dict[str, list[tuple[str, object]]] = {}
        for stmt in cls.body:
            if isinstance(stmt, ast.Assign):
                for t in stmt.targets:
                    if isinstance(t, ast.Name):
                        attrs.setdefault(t.id, []).append(("value", stmt.value))
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                attrs.setdefault(stmt.target.id, []).append(("annotation", stmt.annotation))
                if stmt.value is not None:
                    attrs.setdefault(stmt.target.id, []).append(("value", stmt.value))
        for stmt in cls.body:
            if not isinstance(stmt, FunctionNode):
                continue
            for node in ast.walk(stmt):
                targets: list[tuple[ast.AST, str, object]] = []
                if isinstance(node, ast.Assign):
                    targets = [(t, "value", node.value) for t in node.targets]
                elif isinstance(node, ast.AnnAssign):
                    targets = [(node.target, "annotation", node.annotation)]
                    if node.value is not None:
                        targets.append((node.target, "value", node.value))
                elif isinstance(node, (ast.AugAssign, ast.Delete)):
                    tlist = node.targets if isinstance(node, ast.Delete) else [node.target]
                    targets = [(t, "other", None) for t in tlist]
                elif isinstance(node, (ast.With, ast.AsyncWith)):
                    targets = [(i.optional_vars, "value", i.context_expr) for i in node.items if i.optional_vars is not None]
                elif isinstance(node, (ast.For, ast.AsyncFor)):
                    targets = [(node.target, "other", None)]
                for target, kind, what in targets:
                    for sub in ast.walk(target):
                        if (
                            isinstance(sub, ast.Attribute)
                            and isinstance(sub.value, ast.Name)
                            and sub.value.id in ("self", "cls")
                        ):
                            attrs.setdefault(sub.attr, []).append((kind if sub is target else "other", what))
        self._class_attrs[cls] = attrs
        return attrs


def _target_names(target: ast.AST) -> list[str]:
    out = []
    for node in ast.walk(target):
        if isinstance(node, ast.Name):
            out.append(node.id)
        elif isinstance(node, ast.Starred) and isinstance(node.value, ast.Name):
            out.append(node.value.id)
    return out


def _own_nodes(stmt: ast.AST) -> Iterator[ast.AST]:
    """``stmt`` and everything under it that runs in the same scope (not nested defs, lambdas, classes,
    comprehension scopes - except their walrus targets, which bind here)."""
    todo = [stmt]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (*FunctionNode, ast.ClassDef)):
                continue  # their names are bound by _build
            if isinstance(child, ast.Lambda):
                continue
            if isinstance(child, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                todo.extend(n for n in ast.walk(child) if isinstance(n, ast.NamedExpr))
                continue
            todo.append(child)


def _own_statements(stmt: ast.AST, walrus_lines: list[int]) -> Iterator[ast.AST]:
    """What :func:`_own_nodes` yields that can bind a name, in the same order, without walking the
    expressions that span no line of ``walrus_lines`` (an expression binds only through ``:=``)."""
    todo: list[tuple[ast.AST, bool]] = [(stmt, False)]  # (node, inside an expression that may bind)
    while todo:
        node, whole = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (*FunctionNode, ast.ClassDef, ast.Lambda)):
                continue
            if isinstance(child, ast.expr) and not whole:
                if not spans_any(child, walrus_lines):
                    continue
            if isinstance(child, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
                todo.extend((n, True) for n in ast.walk(child) if isinstance(n, ast.NamedExpr))
                continue
            todo.append((child, whole or isinstance(child, ast.expr)))


def own_body(fn: ast.AST) -> Iterator[ast.AST]:
    """Every node a function's own body runs (not nested functions, lambdas or classes)."""
    body = fn.body if isinstance(fn, (*FunctionNode, ast.Module)) else [fn]
    todo = list(reversed(body))
    while todo:
        node = todo.pop()
        yield node
        for child in reversed(list(ast.iter_child_nodes(node))):
            if isinstance(child, (*FunctionNode, ast.ClassDef, ast.Lambda)):
                continue
            todo.append(child)


def suspends(node: ast.AST) -> bool:
    """Whether running ``node`` (a statement, or a function's body) can suspend the coroutine: an await,
    ``async for``/``async with``, an async comprehension (not counting nested functions, lambdas and
    classes)."""
    for sub in own_body(node):
        if isinstance(sub, (ast.Await, ast.AsyncFor, ast.AsyncWith)):
            return True
        if isinstance(sub, ast.comprehension) and sub.is_async:
            return True
    return False


__all__ = ["AstIndex", "Function", "Scope", "dotted", "own_body", "suspends"]
