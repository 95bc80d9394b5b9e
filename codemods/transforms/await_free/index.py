"""index: one walk of a file's CPython ``ast`` that records the facts await-free plans with.

Per async def: whether its own body is asynchronous (``yield``, ``async for``/``with``, an await of
something that is not a call to a name), which calls it awaits, whether it can raise StopIteration.
Per reference to a name that could be a candidate: what it resolves to in this file and how it is
used. And the escapes the plan must see whatever names they involve: computed ``getattr``, classes
made with ``type()``, globals of other modules rebound from here (``mailer.transport = Fake()``).
"""

from __future__ import annotations

import ast
import re
from typing import Any

from ... import suppress
from .facts import AsyncDef, ClassInfo, FileFacts
from .scopes import Frame, Scopes, dotted_text, global_stores, short_text, strip_optional

COMPS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
STRING_REF = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
PLAIN_DECORATORS = {"staticmethod", "classmethod"}
# a call whose result is discarded or used as a plain value (``x.m()`` as a statement, ``x.m() + 1``,
# ``if x.m():``): were ``x`` an instance of a class whose ``m`` is a coroutine function, the code
# would already be broken, so such a call through an unknown receiver does not block converting ``m``
PLAIN_CALL = "called without await, its result used as a plain value"
PLAIN_CONTEXTS = (
    ast.Expr, ast.BinOp, ast.UnaryOp, ast.Compare, ast.Subscript, ast.If, ast.While, ast.For,
    ast.FormattedValue, ast.Assert,
)
COROUTINE_ATTRS = {"send", "throw", "close", "cr_await", "cr_frame", "cr_running", "cr_code", "__await__"}
# calls that store into their first argument's attribute named by the second (a module's global when
# the first is a module): ``setattr(mod, "x", v)``, ``monkeypatch.setattr(mod, "x", v)``,
# ``mock.patch.object(mod, "x", v)``; with one dotted string: ``patch("pkg.mod.x")``
STORE_CALLS = {"setattr", "object"}
PATCH_CALLS = {"patch", "setattr"}


class Indexer(Scopes):
    def __init__(self, src, codes: tuple[str, ...]) -> None:
        super().__init__(src)
        self.codes = codes
        self.all_nodes: set[int] = set()
        self.words: set[str] = set()  # identifiers spelled as string literals (a computed name may be one)
        self.instance_attrs: dict[str, set[str]] = {}  # class entity id -> attributes stored through self

    def run(self, tree: ast.Module) -> FileFacts | None:
        frame = Frame("module", "", None)
        self.module_frame = frame
        self.tree = tree
        self.collect(frame, tree.body)
        if "global" in self.src.text:
            for name, line in global_stores(tree).items():
                frame.bindings.setdefault(name, []).append(("other", line))
        for node in tree.body:
            self.visit_all_assign(node)
        for node in tree.body:
            self.visit(node, frame, None)
        facts = self.facts
        facts.bindings = {name: self.export_binding(binds, frame) for name, binds in frame.bindings.items()}
        facts.words = tuple(sorted(self.words))
        self.drop_plain_self_refs()
        if not (
            facts.defs or facts.refs or facts.classes or facts.strings or facts.bindings or facts.stars
            or facts.dynamic_getattrs or facts.dynamic_classes or facts.module_stores
        ):
            return None
        self.record_suppressions()
        return facts

    def record_suppressions(self) -> None:
        """Lines of this file's async defs and awaits that a ``# codemod: ignore`` keeps as they are."""
        found = suppress.parse(self.src.text)
        if not found:
            return
        lines = {d.line for d in self.facts.defs} | {r[6] for r in self.facts.refs if r[6]}
        self.facts.suppressed = tuple(sorted(n for n in lines if suppress.suppresses(found, n, self.codes)))

    def drop_plain_self_refs(self) -> None:
        """``self.x`` where this class itself binds ``x`` other than by an async def (an attribute, a
        plain method) can only reach a coroutine method that overrides it, which is skipped anyway:
        such references (most of a file's) are dropped to keep the facts small."""
        facts = self.facts
        plain: dict[str, set[str]] = {}
        for c in facts.classes:
            plain[f"{self.path}:{c.qual}"] = set(c.members)
        for d in facts.defs:
            if d.cls is not None:
                plain.get(f"{self.path}:{d.cls}", set()).discard(d.name)
        if not plain:
            return
        keep: list = []
        remap: dict[int, int] = {}
        for i, ref in enumerate(facts.refs):
            if ref[1] == "KS" and ref[5] is not None and ref[0] in plain.get(ref[2], ()):
                continue
            remap[i] = len(keep)
            keep.append(ref)
        if len(keep) == len(facts.refs):
            return
        facts.refs = keep
        for d in facts.defs:
            d.awaits = tuple(remap[i] for i in d.awaits if i in remap)

    def export_binding(self, binds: list, frame: Frame) -> tuple:
        if len(binds) != 1:
            return ("multi", tuple(sorted(b[-1] for b in binds)))
        b = binds[0]
        if b[0] == "def":
            return ("def", b[1], b[2])
        if b[0] == "class":
            return ("class", b[1])
        if b[0] == "import":
            return ("import", b[1])
        if b[0] == "instance":
            return ("instance", self.classref(b[1], frame))
        return ("other",)

    def visit_all_assign(self, node: ast.AST) -> None:
        """``__all__ = [...]`` / ``+=`` / ``.extend`` / ``.append`` at module level."""
        facts = self.facts
        value = None
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
            value = node.value
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)) and isinstance(node.target, ast.Name) and node.target.id == "__all__":
            value = node.value
        elif (
            isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Attribute) and isinstance(node.value.func.value, ast.Name)
            and node.value.func.value.id == "__all__" and node.value.func.attr in ("extend", "append")
            and len(node.value.args) == 1
        ):
            value = node.value.args[0]
            if node.value.func.attr == "append":
                value = ast.List(elts=[value])
        else:
            return
        names = list(facts.all_names or ())
        if isinstance(value, (ast.List, ast.Tuple)) and all(isinstance(e, ast.Constant) and isinstance(e.value, str) for e in value.elts):
            names.extend(e.value for e in value.elts)
            self.all_nodes.update(id(e) for e in value.elts)
        else:
            facts.all_dynamic = True
        facts.all_names = tuple(names)

    def fn_frame(self, frame: Frame) -> Frame | None:
        f = frame
        while f is not None and f.kind == "comp":
            f = f.parent
        return f if f is not None and f.kind == "function" else None

    def in_genexp(self, frame: Frame) -> bool:
        f = frame
        while f is not None and f.kind == "comp":
            if f.genexp:
                return True
            f = f.parent
        return False

    def mark_hard(self, frame: Frame, reason: str) -> None:
        f = self.fn_frame(frame)
        if f is not None and f.fn is not None and f.fn["hard"] is None:
            f.fn["hard"] = reason

    def add_ref(self, name: str, kind: str, value: Any, node: ast.AST, use: str | None, await_node: ast.AST | None) -> int:
        refs = self.facts.refs
        if await_node is not None:
            aline, acol = await_node.lineno, self.col(await_node.lineno, await_node.col_offset)
        else:
            aline = acol = 0
        refs.append((name, kind, value, node.lineno, node.col_offset + 1, use, aline, acol))
        return len(refs) - 1

    def ref_name(self, node: ast.Name, frame: Frame, use: Any, await_node: ast.AST | None = None) -> int | None:
        target = self.name_target(node.id, frame)
        if target is None:
            return None
        if type(use) is tuple:  # (parent,): describe only what is recorded
            use = self.describe(node, use[0])
        return self.add_ref(node.id, target[0], target[1], node, use, await_node)

    def ref_attr(self, node: ast.Attribute, frame: Frame, use: str | None, await_node: ast.AST | None = None) -> int:
        kind, value = self.receiver(node.value, frame)
        if kind == "KS" and not isinstance(node.ctx, ast.Load):
            self.instance_attrs.setdefault(value, set()).add(node.attr)
        if kind == "?" and (use == PLAIN_CALL or use == "assigned to" or use == "deleted"):
            return -1  # never blocks anything (see PLAIN_CALL): keep the facts small
        if kind == "D":
            value = f"{value}.{node.attr}"
        elif kind == "X":
            value = tuple((k, f"{v}.{node.attr}") for k, v in value)
        return self.add_ref(node.attr, kind, value, node, use, await_node)

    @staticmethod
    def describe(node: ast.AST, parent: ast.AST | None) -> str:
        """How a reference that is not a call is used (for the skip reason)."""
        if isinstance(parent, ast.Call):
            return f"passed to {short_text(parent.func)}()"
        if isinstance(parent, ast.keyword):
            return "passed as a keyword argument"
        if isinstance(parent, (ast.Return, ast.Yield)):
            return "returned as a value"
        if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
            return "stored in a variable"
        if isinstance(parent, ast.Attribute):
            return f"its attribute .{parent.attr} is used"
        if isinstance(parent, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
            return "stored in a container"
        return "used as a value"

    @staticmethod
    def describe_call(call: ast.Call, parent: ast.AST | None) -> str:
        if isinstance(parent, PLAIN_CONTEXTS) or (isinstance(parent, ast.Attribute) and parent.attr not in COROUTINE_ATTRS):
            return PLAIN_CALL
        if isinstance(parent, ast.Call):
            return f"called without await inside {short_text(parent.func)}()"
        if isinstance(parent, ast.keyword):
            return "called without await, its coroutine passed as an argument"
        if isinstance(parent, ast.Return):
            return "called without await, its coroutine returned"
        if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
            return "called without await, its coroutine stored"
        return "called without await"

    def visit(self, node: ast.AST, frame: Frame, parent: ast.AST | None) -> None:
        t = type(node)
        if t is ast.Name:
            if isinstance(node.ctx, ast.Load):
                self.ref_name(node, frame, (parent,))
            return
        if t is ast.Attribute:
            ctx = node.ctx
            if isinstance(ctx, ast.Load):
                use = self.describe(node, parent)
            else:
                use = "assigned to" if isinstance(ctx, ast.Store) else "deleted"
                module = self.import_dotted(node.value, frame)
                if module is not None:  # ``mailer.transport = Fake()``: maybe another module's global
                    self.facts.module_stores.append((module, node.attr, node.lineno, node.col_offset + 1))
            self.ref_attr(node, frame, use)
            self.visit_receiver(node.value, frame, node)
            return
        if t is ast.Call:
            self.visit_call_escapes(node, frame, parent)
            func = node.func
            if isinstance(func, ast.Name):
                self.ref_name(func, frame, self.describe_call(node, parent))
            elif isinstance(func, ast.Attribute):
                self.ref_attr(func, frame, self.describe_call(node, parent))
                self.visit_receiver(func.value, frame, func)
            else:
                self.visit(func, frame, node)
            for a in node.args:
                self.visit(a, frame, node)
            for k in node.keywords:
                self.visit(k.value, frame, k)
            return
        if t is ast.Await:
            self.visit_await(node, frame)
            return
        if t is ast.FunctionDef or t is ast.AsyncFunctionDef or t is ast.Lambda:
            self.visit_function(node, frame)
            return
        if t is ast.ClassDef:
            self.visit_class(node, frame)
            return
        if t in COMPS:
            self.visit_comp(node, frame)
            return
        if t is ast.Constant:
            if type(node.value) is str:
                if isinstance(parent, (ast.Call, ast.keyword)):
                    self.visit_string(node)  # getattr(obj, "name"), patch("pkg.mod.name"), methodcaller("name")
                if len(node.value) <= 64 and IDENTIFIER.match(node.value):
                    self.words.add(node.value)
            return
        if t is ast.Raise and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id == "StopIteration" and self.is_builtin("StopIteration", frame):
                self.mark_stop(frame, f"raise StopIteration at line {node.lineno}")
        if t is ast.Yield or t is ast.YieldFrom:
            self.mark_hard(frame, "it is an async generator (yield)")
        elif t is ast.AsyncFor:
            self.mark_hard(frame, "it uses async for")
        elif t is ast.AsyncWith:
            self.mark_hard(frame, "it uses async with")
        for child in ast.iter_child_nodes(node):
            self.visit(child, frame, node)

    def mark_stop(self, frame: Frame, where: str) -> None:
        """The body can raise StopIteration itself (not inside a generator, where PEP 479 applies too)."""
        if self.in_genexp(frame):
            return
        f = self.fn_frame(frame)
        if f is not None and f.fn is not None and f.fn["stop"] is None:
            f.fn["stop"] = where

    def visit_call_escapes(self, node: ast.Call, frame: Frame, parent: ast.AST | None) -> None:
        """Calls that reach or replace functions the plan cannot otherwise see."""
        func, args = node.func, node.args
        if isinstance(func, ast.Name):
            name = func.id
            builtin = self.is_builtin(name, frame)
        elif isinstance(func, ast.Attribute):
            name, builtin = func.attr, False
        else:
            return
        if name == "getattr" and builtin and len(args) >= 2:
            if not (isinstance(args[1], ast.Constant) and isinstance(args[1].value, str)):
                if self.value_escapes(node, frame, parent):
                    self.dynamic_member(node, args[0], literal_prefix(args[1]), frame)
        elif name == "getmembers" and dotted_text(func) in ("inspect.getmembers", "getmembers") and args:
            self.dynamic_member(node, args[0], "", frame)
        elif (name == "type" and builtin and len(args) == 3) or (
            name == "new_class" and dotted_text(func) == "types.new_class" and len(args) >= 2
        ):
            bases = args[1]
            refs = tuple(self.classref(e, frame) for e in bases.elts) if isinstance(bases, (ast.Tuple, ast.List)) else None
            ns = args[2] if len(args) > 2 and name == "type" else None
            members = None
            if isinstance(ns, ast.Dict) and all(isinstance(k, ast.Constant) and isinstance(k.value, str) for k in ns.keys):
                members = tuple(k.value for k in ns.keys)
            self.facts.dynamic_classes.append((refs, members, node.lineno, node.col_offset + 1))
        elif name == "next" and builtin and len(args) == 1 and not node.keywords:
            self.mark_stop(frame, f"next() without a default at line {node.lineno}")
        elif name == "__next__" and not args:
            self.mark_stop(frame, f"__next__() at line {node.lineno}")
        if name in STORE_CALLS and (builtin or isinstance(func, ast.Attribute)) and len(args) >= 2:
            if isinstance(args[1], ast.Constant) and isinstance(args[1].value, str):
                module = self.import_dotted(args[0], frame)
                if module is not None:
                    self.facts.module_stores.append((module, args[1].value, node.lineno, node.col_offset + 1))
        if name in PATCH_CALLS and args and isinstance(args[0], ast.Constant) and isinstance(args[0].value, str):
            target = args[0].value
            if "." in target and STRING_REF.match(target):
                module, _, attr = target.rpartition(".")
                self.facts.module_stores.append((module, attr, node.lineno, node.col_offset + 1))

    def value_escapes(self, node: ast.AST, frame: Frame, parent: ast.AST | None) -> bool:
        """Whether the value of ``node`` (a computed getattr) may be called: it is called, awaited,
        passed, returned or stored, or bound to a name some use of which is one of those. Used only as
        a receiver (``component = getattr(hass.components, domain); component.is_on(...)``: a use of
        ``is_on`` by name, seen as such), tested or compared, it cannot call what it reaches."""
        if isinstance(parent, ast.Assign) and len(parent.targets) == 1 and isinstance(parent.targets[0], ast.Name):
            fn = self.fn_frame(frame)
            scope = fn.node if fn is not None and fn.node is not None else self.tree
            name = parent.targets[0].id
            return any(self.use_escapes(use, up) for use, up in _loads(scope, name))
        return self.use_escapes(node, parent)

    @staticmethod
    def use_escapes(node: ast.AST, parent: ast.AST | None) -> bool:
        if isinstance(parent, ast.Attribute) and parent.value is node:
            return False
        if isinstance(parent, (ast.Compare, ast.If, ast.While, ast.IfExp, ast.BoolOp, ast.UnaryOp, ast.Assert)):
            return False
        if isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id in _TESTS:
            return False
        return True

    def dynamic_member(self, node: ast.Call, recv: ast.AST, prefix: str, frame: Frame) -> None:
        kind, value = self.receiver(recv, frame)  # "D": a module, or a class reached through one
        text = ast.unparse(node)
        if len(text) > 60:
            text = short_text(node.func) + "(...)"
        self.facts.dynamic_getattrs.append((prefix, kind, value, node.lineno, node.col_offset + 1, text))

    def visit_receiver(self, recv: ast.AST, frame: Frame, attr: ast.Attribute) -> None:
        # a receiver that is an import path (``m.f``, ``pkg.mod.f``) is not itself a use of anything
        if isinstance(recv, (ast.Name, ast.Attribute)) and self.import_dotted(recv, frame) is not None:
            return
        self.visit(recv, frame, attr)

    def visit_string(self, node: ast.Constant) -> None:
        value = node.value
        if len(value) > 200 or not STRING_REF.match(value):
            return
        name = value.rsplit(".", 1)[-1]
        if name not in self.facts.strings:
            self.facts.strings[name] = (node.lineno, node.col_offset + 1, value)

    def visit_await(self, node: ast.Await, frame: Frame) -> None:
        value = node.value
        fn = self.fn_frame(frame)
        genexp = self.in_genexp(frame)
        if isinstance(value, ast.Call) and isinstance(value.func, (ast.Name, ast.Attribute)):
            func = value.func
            use = "awaited inside a generator expression" if genexp else None
            if isinstance(func, ast.Name):
                idx = self.ref_name(func, frame, use, node)
            else:
                idx = self.ref_attr(func, frame, use, node)
                self.visit_receiver(func.value, frame, func)
            if genexp:
                self.mark_hard(frame, "it awaits inside a generator expression")
            elif fn is not None and fn.fn is not None:
                if idx is None:
                    if fn.fn["hard"] is None:
                        fn.fn["hard"] = f"it awaits {short_text(func)}()"
                else:
                    fn.fn["awaits"].append(idx)
            for a in value.args:
                self.visit(a, frame, value)
            for k in value.keywords:
                self.visit(k.value, frame, k)
            return
        self.mark_hard(frame, f"it awaits {short_text(value)}")
        self.visit(value, frame, node)

    def visit_function(self, node: ast.AST, frame: Frame) -> None:
        args = node.args
        is_lambda = isinstance(node, ast.Lambda)
        if not is_lambda:
            for d in node.decorator_list:
                self.visit(d, frame, node)
        for d in args.defaults:
            self.visit(d, frame, node)
        for d in args.kw_defaults:
            if d is not None:
                self.visit(d, frame, node)
        if not is_lambda:
            for a in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
                if a is not None and a.annotation is not None:
                    self.visit(a.annotation, frame, node)
            if node.returns is not None:
                self.visit(node.returns, frame, node)
        qual = self.child_qual(frame, node.name) if not is_lambda else f"{frame.qual}.<lambda>" if frame.qual else "<lambda>"
        inner = Frame("function", qual, frame)
        inner.node = node
        params = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
        if args.vararg:
            params.append(args.vararg.arg)
        if args.kwarg:
            params.append(args.kwarg.arg)
        for p in params:
            inner.bindings.setdefault(p, []).append(("param", None))
        if not is_lambda:
            # an annotated parameter (``store: MessageStore``) is an instance of that class or a subclass
            for a in (*args.posonlyargs, *args.args, *args.kwonlyargs):
                if a.annotation is not None:
                    ann = strip_optional(a.annotation)
                    ref = self.classref(ann, frame) if ann is not None else None
                    if ref is not None:
                        inner.bindings[a.arg] = [("param", ref)]
        decorators = [] if is_lambda else [dotted_text(d.func if isinstance(d, ast.Call) else d) or short_text(d) for d in node.decorator_list]
        if frame.kind == "class" and not is_lambda:
            inner.cls_qual = frame.qual
            positional = [*args.posonlyargs, *args.args]
            if "staticmethod" not in decorators and positional:
                inner.self_name = positional[0].arg
        body = [node.body] if is_lambda else node.body
        if not is_lambda:
            self.collect(inner, body)
        if inner.self_name is not None and len(inner.bindings.get(inner.self_name, ())) != 1:
            inner.self_name = None  # self rebound: cannot tell what it is
        if isinstance(node, ast.AsyncFunctionDef):
            inner.fn = {"hard": None, "awaits": [], "stop": None}
        for stmt in body:
            self.visit(stmt, inner, node)
        if isinstance(node, ast.AsyncFunctionDef):
            other = [d for d in decorators if d not in PLAIN_DECORATORS]
            self.facts.defs.append(
                AsyncDef(
                    qual=qual,
                    name=node.name,
                    line=node.lineno,
                    col=self.col(node.lineno, node.col_offset),
                    cls=frame.qual if frame.kind == "class" else None,
                    decorators=tuple(other),
                    abstract=any(d.rsplit(".", 1)[-1] in ("abstractmethod", "abstractproperty") for d in other),
                    hard=inner.fn["hard"],
                    awaits=tuple(inner.fn["awaits"]),
                    stop_iteration=inner.fn["stop"],
                )
            )

    def visit_class(self, node: ast.ClassDef, frame: Frame) -> None:
        for d in node.decorator_list:
            self.visit(d, frame, node)
        bases, texts = [], []
        for b in node.bases:
            self.visit(b, frame, node)
            bases.append(self.classref(b, frame))
            texts.append(short_text(b))
        metaclass = metaclass_ref = None
        for k in node.keywords:  # metaclass=...: not in the instances' MRO
            self.visit(k.value, frame, k)
            if k.arg == "metaclass":
                metaclass, metaclass_ref = short_text(k.value), self.classref(k.value, frame)
        qual = self.child_qual(frame, node.name)
        inner = Frame("class", qual, frame)
        self.collect(inner, node.body)
        for stmt in node.body:
            self.visit(stmt, inner, node)
        self.facts.classes.append(
            ClassInfo(
                qual=qual,
                name=node.name,
                line=node.lineno,
                col=node.col_offset + 1,
                bases=tuple(bases),
                base_texts=tuple(texts),
                members=tuple(inner.bindings) + tuple(
                    sorted(self.instance_attrs.get(f"{self.path}:{qual}", set()) - set(inner.bindings))
                ),
                rebound=tuple(n for n, b in inner.bindings.items() if len(b) > 1),
                decorators=tuple(dotted_text(d.func if isinstance(d, ast.Call) else d) or short_text(d) for d in node.decorator_list),
                metaclass=metaclass,
                metaclass_ref=metaclass_ref,
            )
        )

    def visit_comp(self, node: ast.AST, frame: Frame) -> None:
        gens = node.generators
        self.visit(gens[0].iter, frame, node)
        inner = Frame("comp", frame.qual, frame)
        inner.genexp = isinstance(node, ast.GeneratorExp)
        for g in gens:
            self.bind_target(inner, g.target, node.lineno)
        for i, g in enumerate(gens):
            if g.is_async:
                self.mark_hard(frame, "it uses an async comprehension")
            if i:
                self.visit(g.iter, inner, node)
            for cond in g.ifs:
                self.visit(cond, inner, node)
        if isinstance(node, ast.DictComp):
            self.visit(node.key, inner, node)
            self.visit(node.value, inner, node)
        else:
            self.visit(node.elt, inner, node)



def literal_prefix(node: ast.AST) -> str:
    """The literal start of a computed name: ``"on_" + event``, ``f"cmd_{name}"``, ``"on_%s" % e``,
    ``"on_{}".format(e)`` -> ``on_``; "" when it has none."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return literal_prefix(node.left)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod) and isinstance(node.left, ast.Constant):
        return str(node.left.value).split("%", 1)[0]
    if isinstance(node, ast.JoinedStr):
        first = node.values[0] if node.values else None
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
        return ""
    if (
        isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant) and isinstance(node.func.value.value, str)
    ):
        return node.func.value.value.split("{", 1)[0]
    return ""


_TESTS = {"hasattr", "isinstance", "callable", "bool"}


def _loads(scope: ast.AST, name: str):
    """(Name node, its parent) for every load of ``name`` in ``scope`` (nested scopes included: they
    may read it too)."""
    stack: list[tuple[ast.AST, ast.AST | None]] = [(scope, None)]
    while stack:
        node, parent = stack.pop()
        if isinstance(node, ast.Name) and node.id == name and isinstance(node.ctx, ast.Load):
            yield node, parent
        stack.extend((child, node) for child in ast.iter_child_nodes(node))
