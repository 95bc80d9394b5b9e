"""delegate-elide: `async def x(a): return await y(a)` becomes `def x(a): return y(a)`."""

from __future__ import annotations

import ast
import fnmatch
import functools
from dataclasses import dataclass
from typing import Sequence

import libcst as cst
from libcst.metadata import FunctionScope, MetadataWrapper, PositionProvider, ScopeProvider

from . import register
from ._shared import Positions, add_import, dotted_name, is_docstring
from ._shared.lazy import matchers as m
from .base import UNSAFE, RewriteContext, SourceInfo, Transform

_EMPTY = cst.Module(body=[])


@functools.cache
def _return_await_call():
    """`return await f(...)`, built on first use (see :mod:`._shared.lazy`)."""
    return m.Return(value=m.Await(expression=m.Call()))


UNSAFE_WHY = (
    "inspect.iscoroutinefunction() of the function turns false, the callee now runs (and its arguments are "
    "evaluated, and may raise) at the call rather than at the await, and the function leaves tracebacks"
)
# functions that tell coroutine functions from others: a file that calls them on what it does not name
# may treat a converted function as synchronous
_INSPECTORS = {"iscoroutinefunction", "markcoroutinefunction", "getmembers", "getmembers_static"}

# asyncio functions that are coroutine functions on every supported Python (`async def` in the stdlib)
KNOWN_COROUTINE_FUNCTIONS = frozenset(
    f"asyncio.{n}"
    for n in (
        "sleep", "wait_for", "wait", "to_thread", "open_connection", "open_unix_connection",
        "start_server", "start_unix_server", "create_subprocess_exec", "create_subprocess_shell",
    )
)
DEFAULT_FRAMEWORK_NAMES = (
    "test*",  # pytest / unittest test functions and methods
    "setUp*", "tearDown*", "asyncSetUp", "asyncTearDown",  # unittest.IsolatedAsyncioTestCase
    "on_*",  # event handlers (discord.py and others check iscoroutinefunction)
    "handle*",  # request / protocol handlers
    "lifespan",  # ASGI lifespan functions
)


def _code(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node)


def _delegation(fn: cst.FunctionDef) -> cst.Return | None:
    """The `return await call(...)` that is the whole body (after a docstring), else None."""
    if fn.asynchronous is None:
        return None
    body = fn.body
    if isinstance(body, cst.SimpleStatementSuite):
        smalls = list(body.body)
    else:
        statements = list(body.body)
        if len(statements) == 2 and is_docstring(statements[0]):
            statements = statements[1:]
        if len(statements) != 1 or not isinstance(statements[0], cst.SimpleStatementLine):
            return None
        smalls = list(statements[0].body)
    if len(smalls) != 1 or not m.matches(smalls[0], _return_await_call()):
        return None
    call = smalls[0].value.expression  # type: ignore[attr-defined]
    # the call itself must not need the coroutine: no other await, no async comprehension
    if m.findall(call, m.Await() | m.CompFor(asynchronous=m.Asynchronous())):
        return None
    return smalls[0]  # type: ignore[return-value]


@dataclass
class _Class:
    node: cst.ClassDef
    bases: list[str]  # dotted names (or source text) of bases and keywords
    members: set[str]


class _ModuleFacts(cst.CSTVisitor):
    """One pass over the file: classes, value uses of names, imports, functions."""

    def __init__(self) -> None:
        self.classes: list[_Class] = []
        self.stack: list[cst.CSTNode] = []
        self.owner: dict[int, _Class | None] = {}  # id(FunctionDef) -> class it is a method of
        self.functions: list[cst.FunctionDef] = []
        self.call_funcs: set[int] = set()
        self.not_values: set[int] = set()  # Name nodes that are attributes, keywords, def names
        self.value_uses: dict[str, list[cst.CSTNode]] = {}
        self.string_uses: dict[str, list[cst.CSTNode]] = {}
        self.defs_by_name: dict[str, list[cst.FunctionDef]] = {}
        self.imports: dict[str, str] = {}  # local name -> qualified name (module level)
        self.module_bindings: set[str] = set()  # module-level names bound by class or assignment
        self.exported: set[int] = set()  # string nodes of `__all__`
        self.inspections: list[cst.Call] = []  # iscoroutinefunction(...) and the like

    # -- structure ---------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        bases = [dotted_name(a.value) or _code(a.value) for a in node.bases if a.keyword is None]
        bases = [b for b in bases if b != "object"] + [_code(a) for a in node.keywords]
        body = node.body.body if isinstance(node.body, cst.IndentedBlock) else [node.body]
        members: set[str] = set()
        for stmt in body:
            if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                members.add(stmt.name.value)
            elif isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    targets = []
                    if isinstance(small, cst.Assign):
                        targets = [t.target for t in small.targets]
                    elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                        targets = [small.target]
                    members.update(t.value for t in targets if isinstance(t, cst.Name))
        self.classes.append(_Class(node, bases, members))
        self.not_values.add(id(node.name))
        if not self.stack:
            self.module_bindings.add(node.name.value)
        self.stack.append(node)

    def leave_ClassDef(self, original_node: cst.ClassDef) -> None:
        self.stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        parent = self.stack[-1] if self.stack else None
        self.owner[id(node)] = next((c for c in self.classes if c.node is parent), None)
        self.functions.append(node)
        self.defs_by_name.setdefault(node.name.value, []).append(node)
        self.not_values.add(id(node.name))
        self.stack.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.stack.pop()

    # -- references ------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self.call_funcs.add(id(node.func))
        func = dotted_name(node.func)
        last = func.rsplit(".", 1)[-1] if func else None
        if last in _INSPECTORS and func in (last, f"inspect.{last}", f"asyncio.{last}"):
            if last.startswith("getmembers"):
                # getmembers(obj, inspect.iscoroutinefunction): the predicate tells them apart
                if not any("iscoroutinefunction" in (dotted_name(a.value) or "") for a in node.args[1:]):
                    return
            self.inspections.append(node)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self.not_values.add(id(node.attr))
        if id(node) not in self.call_funcs:
            self.value_uses.setdefault(node.attr.value, []).append(node)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self.not_values.add(id(node.keyword))

    def visit_Name(self, node: cst.Name) -> None:
        if id(node) not in self.not_values and id(node) not in self.call_funcs:
            self.value_uses.setdefault(node.value, []).append(node)

    def visit_SimpleString(self, node: cst.SimpleString) -> None:
        if id(node) in self.exported:
            return
        try:
            value = ast.literal_eval(node.value)
        except (ValueError, SyntaxError):
            return
        if isinstance(value, str) and value.isidentifier():
            self.string_uses.setdefault(value, []).append(node)

    # -- imports and module bindings ------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            self.not_values.update(id(n) for n in m.findall(alias, m.Name()))
            if self.stack:
                continue
            dotted = dotted_name(alias.name) or ""
            local = alias.asname.name.value if alias.asname else dotted.split(".")[0]  # type: ignore[attr-defined]
            self.imports[local] = dotted if alias.asname else local

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        for n in m.findall(node, m.Name()):
            self.not_values.add(id(n))
        if self.stack or node.relative or isinstance(node.names, cst.ImportStar):
            return
        module = dotted_name(node.module) if node.module else None
        for alias in node.names:
            name = dotted_name(alias.name)
            local = alias.asname.name.value if alias.asname else name  # type: ignore[attr-defined]
            if module and name and local:
                self.imports[local] = f"{module}.{name}"

    def visit_Assign(self, node: cst.Assign) -> None:
        if not self.stack:
            for t in node.targets:
                self.module_bindings.update(n.value for n in m.findall(t.target, m.Name()))
            if any(m.matches(t.target, m.Name("__all__")) for t in node.targets):
                self._export(node.value)

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if not self.stack and m.matches(node.target, m.Name("__all__")):
            self._export(node.value)

    def _export(self, value: cst.BaseExpression) -> None:
        # names listed in `__all__` are exported, not looked up by a framework
        self.exported.update(id(n) for n in m.findall(value, m.SimpleString()))


@register
class DelegateElide(Transform):
    """Turn a coroutine function that only awaits another call into a plain function returning it.

    ## What it does
    `async def x(a): return await y(a)` (a docstring may precede the `return`) becomes
    `def x(a): return y(a)`. Callers keep their `await`: they now await `y`'s coroutine directly. A return
    annotation `-> T` becomes `-> Awaitable[T]`, imported from `collections.abc` (or from `typing` when
    the file already imports from `typing` and not from `collections.abc`).

    Opt-in: not part of `--transform all`; select it by name.

    ## Why is this bad?
    A coroutine function that only awaits another coroutine adds a coroutine object, a frame and a
    suspension layer to every call for no behaviour of its own. Returning the inner awaitable removes
    that layer.

    ## Example
    ```python
    class Client:
        async def fetch(self, url: str) -> bytes:
            return await self._request("GET", url)

        async def _request(self, method: str, url: str) -> bytes: ...
    ```

    Use instead:
    ```python
    from collections.abc import Awaitable

    class Client:
        def fetch(self, url: str) -> Awaitable[bytes]:
            return self._request("GET", url)

        async def _request(self, method: str, url: str) -> bytes: ...
    ```

    ## Fix safety
    The fix changes observable behaviour, which is why the transform is opt-in:

    - `inspect.iscoroutinefunction(x)` (and `asyncio.iscoroutinefunction`) turns false, so code that
      checks it (frameworks, dispatchers, test runners) treats `x` as synchronous.
    - The arguments are evaluated, and `y` is called, at the call `x(a)` rather than when the result is
      first awaited: an exception raised while evaluating the arguments now surfaces at the call, not
      at the await, and so does any side effect.
    - `x` no longer appears in tracebacks.

    Left alone, with a reason: decorated functions; special methods (`__aenter__`, ...); methods whose
    class has a base other than `object` (they may override a coroutine method), and methods that a
    subclass in the same file redefines; functions whose name matches `framework-names`; functions
    used in the file other than by calling them (passed as a callback, stored, looked up by a string),
    since the receiver may check `iscoroutinefunction`; and, unless `allow-unknown-callees` is set,
    delegations to a callable that this file does not show to be a coroutine function (an `async def`
    of the file, or an `asyncio` coroutine function), because `asyncio.create_task(x())` and
    `asyncio.run(x())` need a coroutine, not any awaitable; a callee whose name an enclosing function
    binds (a parameter or a local shadowing the module's `async def` of that name: it may be anything);
    and every candidate of a file that itself tells coroutine functions from others
    (`inspect.iscoroutinefunction`, `asyncio.iscoroutinefunction`, `inspect.markcoroutinefunction`,
    `inspect.getmembers(obj, inspect.iscoroutinefunction)`), since it may be handed the function by a
    path no name shows (a registry, `getmembers`, `vars(cls)`).

    Every fix is unsafe (applied when the transform is named, or with `--unsafe-fixes`), for the reasons
    above. An annotated conversion and the `Awaitable` import it needs are one unit in interactive review.

    Limitation: the transform sees one file at a time, so it cannot know about subclasses, callers or
    registrations in other modules; review each change with that in mind.

    ## Options
    - `framework-names` (list of fnmatch patterns): names a framework may inspect; default
      `test*`, `setUp*`, `tearDown*`, `asyncSetUp`, `asyncTearDown`, `on_*`, `handle*`, `lifespan`.
    - `allow-unknown-callees` (bool, default false): also convert delegations to callables of unknown kind.
    """

    name = "delegate-elide"
    fix_safety = UNSAFE
    rules = ("CM303",)
    summary = "Turn `async def x(a): return await y(a)` into `def x(a): return y(a)`; callers keep their await."
    prefilter = (b"await",)
    in_all = False
    option_defaults = {"framework-names": list(DEFAULT_FRAMEWORK_NAMES), "allow-unknown-callees": False}

    def index(self, src: SourceInfo, tree: ast.Module):
        names = []
        for node in ast.walk(tree):
            if not isinstance(node, ast.AsyncFunctionDef):
                continue
            body = node.body
            if len(body) == 2 and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]
            if (
                len(body) == 1
                and isinstance(body[0], ast.Return)
                and isinstance(body[0].value, ast.Await)
                and isinstance(body[0].value.value, ast.Call)
            ):
                names.append(node.name)
        return tuple(sorted(set(names))) or None

    # -- rewrite ---------------------------------------------------------------------------------
    def rewrite(self, module: cst.Module, file_plan, ctx: RewriteContext) -> cst.Module:
        facts = _ModuleFacts()
        module.visit(facts)
        candidates = [(fn, ret) for fn in facts.functions if (ret := _delegation(fn)) is not None]
        if not candidates:
            return module
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        positions = Positions(module, wrapper.resolve(PositionProvider))
        scopes = wrapper.resolve(ScopeProvider)

        awaitable = _awaitable_style(facts)
        converted: dict[int, tuple[cst.Return, bool]] = {}
        for fn, ret in candidates:
            reason = self._reason(fn, ret, facts, positions, awaitable, scopes)
            line, col = positions.start(fn.asynchronous)  # type: ignore[arg-type]
            if reason:
                ctx.skip(line, col, reason)
                continue
            callee = _code(ret.value.expression.func)  # type: ignore[attr-defined]
            message = (f"`{fn.name.value}` returns `{callee}(...)` instead of awaiting it: a plain `def`, "
                       "callers keep their await")
            # an annotated conversion needs the `Awaitable` import: they are one unit with it
            needs_import = fn.returns is not None and awaitable is not None and awaitable[1] is not None
            unit = f"delegate-elide:{ctx.path}:Awaitable" if needs_import else f"delegate-elide:{ctx.path}:{line}"
            if not ctx.fix(line, col, message, safety=UNSAFE, why=UNSAFE_WHY, unit=unit, end=positions.end(fn.name)):
                continue
            converted[id(fn)] = (ret, fn.returns is not None)
        if not converted:
            return module
        new = module.visit(_Rewriter(converted, awaitable[0] if awaitable else "Awaitable"))
        if awaitable and awaitable[1] and any(annotated for _, annotated in converted.values()):
            new = add_import(new, awaitable[1], "Awaitable")
        return new

    def _reason(
        self, fn: cst.FunctionDef, ret: cst.Return, facts: _ModuleFacts, positions: Positions, awaitable, scopes
    ) -> str | None:
        name = fn.name.value
        if fn.decorators:
            deco = " ".join(_code(fn.decorators[0].decorator).split())
            return f"decorated with `@{deco}`: the decorator may rely on a coroutine function"
        if name.startswith("__") and name.endswith("__"):
            return f"`{name}` is a special method: left a coroutine function"
        for pattern in self.options["framework-names"]:
            if fnmatch.fnmatchcase(name, pattern):
                return (f"the name matches framework-names pattern `{pattern}`: a framework may check "
                        "`inspect.iscoroutinefunction` on it")
        owner = facts.owner.get(id(fn))
        if owner is not None:
            if owner.bases:
                return (f"method of `{owner.node.name.value}`, whose base `{owner.bases[0]}` may declare it as a "
                        "coroutine method (overrides cannot be judged from this file)")
            for sub in _subclasses(owner, facts.classes):
                if name in sub.members:
                    line = positions.line(sub.node.name)
                    return f"redefined by subclass `{sub.node.name.value}` (line {line})"
        uses = facts.value_uses.get(name, []) + facts.string_uses.get(name, [])
        if uses:
            line, _ = min(positions.start(n) for n in uses)
            return (f"`{name}` is used as a value at line {line}, not only called: whoever receives it may check "
                    "`inspect.iscoroutinefunction`")
        if fn.returns is not None and awaitable is None:
            return "the name `Awaitable` is already bound to something else in this module"
        call = ret.value.expression  # type: ignore[attr-defined]
        if dotted_name(call.func) in (name, f"self.{name}", f"cls.{name}"):
            return f"`{name}` awaits itself: a recursion that would now run at call time"
        if facts.inspections:
            line = positions.line(facts.inspections[0])
            shown = _code(facts.inspections[0].func)
            return (f"this file tells coroutine functions from others with `{shown}()` (line {line}): "
                    f"`{name}` would no longer be one")
        shadow = _shadowed(call.func, fn, scopes)
        if shadow:
            return shadow
        if not self.options["allow-unknown-callees"] and not _known_coroutine_function(call.func, fn, facts):
            callee = " ".join(_code(call.func).split())
            return (f"cannot tell that `{callee}` is a coroutine function: `asyncio.create_task()` and "
                    "`asyncio.run()` of the result would fail if it returns another awaitable "
                    "(set allow-unknown-callees to convert anyway)")
        return None


def _subclasses(cls: _Class, classes: Sequence[_Class]) -> list[_Class]:
    found: list[_Class] = []
    names = {cls.node.name.value}
    changed = True
    while changed:
        changed = False
        for c in classes:
            if c in found or c is cls:
                continue
            if any(b.rsplit(".", 1)[-1] in names for b in c.bases):
                found.append(c)
                names.add(c.node.name.value)
                changed = True
    return found


def _all_async_undecorated(defs: Sequence[cst.FunctionDef]) -> bool:
    return bool(defs) and all(d.asynchronous is not None and not d.decorators for d in defs)


def _known_coroutine_function(func: cst.BaseExpression, fn: cst.FunctionDef, facts: _ModuleFacts) -> bool:
    dotted = dotted_name(func)
    if dotted is None:
        return False
    head, _, rest = dotted.partition(".")
    if not rest:
        if head in facts.imports:
            return facts.imports[head] in KNOWN_COROUTINE_FUNCTIONS
        # an `async def` of this file, and nothing else of that name
        params = {p.name.value for p in m.findall(fn.params, m.Param())}
        return head not in facts.module_bindings and head not in params and \
            _all_async_undecorated(facts.defs_by_name.get(head, []))
    if head in facts.imports:
        return f"{facts.imports[head]}.{rest}" in KNOWN_COROUTINE_FUNCTIONS
    owner = facts.owner.get(id(fn))
    if head in ("self", "cls") and owner is not None and "." not in rest:
        defs = facts.defs_by_name.get(rest, [])
        return rest in owner.members and _all_async_undecorated(defs)
    return False


def _shadowed(func: cst.BaseExpression, fn: cst.FunctionDef, scopes) -> str | None:
    """Why the callee's first name may not be what the module binds: a binding in an enclosing function
    (a parameter, an assignment, a nested def or import) shadows it."""
    head = func
    while isinstance(head, cst.Attribute):
        head = head.value
    if not isinstance(head, cst.Name) or head.value in ("self", "cls"):
        return None
    scope = scopes.get(head)
    if scope is None:
        return None
    # the function's own parameters are its callers' business (see allow-unknown-callees)
    found = [a for a in scope[head.value] if isinstance(getattr(a, "scope", None), FunctionScope) and a.scope is not scope]
    if not found:
        return None
    node = getattr(found[0], "node", None)
    if isinstance(node, cst.FunctionDef) and node.asynchronous is not None and not node.decorators and len(found) == 1:
        return None  # a nested `async def` of that name, and nothing else: a coroutine function
    owner = getattr(found[0].scope, "node", None)
    where = f" `{owner.name.value}`" if isinstance(owner, cst.FunctionDef) else ""
    return (f"`{head.value}` is bound in the enclosing function{where} (a parameter or a local), which "
            f"shadows any `{head.value}` of the module: what it calls cannot be told")


def _awaitable_style(facts: _ModuleFacts) -> tuple[str, str | None] | None:
    """How to spell `Awaitable` here: (expression, module to import it from or None); None if taken."""
    bound = facts.imports.get("Awaitable")
    if bound in ("collections.abc.Awaitable", "typing.Awaitable"):
        return "Awaitable", None
    if bound is not None or "Awaitable" in facts.module_bindings or "Awaitable" in facts.defs_by_name:
        return None
    modules = {q.rsplit(".", 1)[0] for q in facts.imports.values()}
    if "collections.abc" not in modules and "typing" in modules:
        return "Awaitable", "typing"
    return "Awaitable", "collections.abc"


class _Rewriter(cst.CSTTransformer):
    def __init__(self, converted: dict[int, tuple[cst.Return, bool]], awaitable: str) -> None:
        self.converted = converted
        self.returns = {id(ret) for ret, _ in converted.values()}
        self.awaitable = awaitable

    def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        if id(original_node) not in self.returns:
            return updated_node
        return updated_node.with_changes(value=updated_node.value.expression)  # type: ignore[union-attr]

    def leave_FunctionDef(self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef) -> cst.FunctionDef:
        if id(original_node) not in self.converted:
            return updated_node
        changes: dict = {"asynchronous": None}
        if updated_node.returns is not None:
            inner = updated_node.returns.annotation
            wrapped = cst.Subscript(
                value=cst.Name(self.awaitable),
                slice=[cst.SubscriptElement(slice=cst.Index(value=inner))],
            )
            changes["returns"] = updated_node.returns.with_changes(annotation=wrapped)
        return updated_node.with_changes(**changes)
