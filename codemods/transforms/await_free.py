"""await-free: an ``async def`` that never awaits becomes ``def``, and its callers drop their ``await``.

index (CPython ``ast``, per file) collects plain facts: the module's bindings and imports, its async
defs and classes, and every reference to a name that could be a candidate. plan (whole repository)
resolves references across modules, applies the exemptions and iterates to a fixpoint. rewrite
(LibCST, only files that change) removes ``async`` and ``await`` at the planned positions.
"""

from __future__ import annotations

import ast
import importlib
import re
import sys
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Iterable

import libcst as cst
from libcst.metadata import PositionProvider

from . import register
from .base import SAFE, Plan, RewriteContext, Skip, SourceInfo, Transform

# ---------------------------------------------------------------------------------------------
# facts (plain, picklable)

# A reference: (name, kind, value, line, col, use, await_line, await_col)
#   name   the identifier referenced (a function's or a method's name)
#   kind   "E" value is an entity id ("path:qualname") of an async def of the same file
#          "D" value is a dotted name to resolve across modules ("pkg.mod.f", "pkg.mod.C.m")
#          "S" value is None: a name that only a star import can bind
#          "KS" value is a class ref; the receiver is self/cls of that class (or of a subclass)
#          "KX" value is a class ref; the receiver is that very class or an instance of it
#          "KA" value is (class ref, parameter name); the receiver is a parameter annotated with that class
#          "U" value is a class ref; the receiver is super() inside that class
#          "?" value is the receiver's text: an object of unknown class
#   use    None for ``await name(...)``; otherwise how it is used, for the skip reason
#   await_line/await_col: position of the ``await`` keyword to remove (character column, 0-based)
# A class ref is an entity id ("path:Qual", contains ":") or a dotted name.
Ref = tuple


@dataclass
class AsyncDef:
    qual: str  # "f", "C.m", "f.<locals>.g"
    name: str
    line: int
    col: int  # character column of the ``async`` keyword, 0-based
    cls: str | None  # qualname of the class when this is a method
    decorators: tuple[str, ...]  # dotted text of every decorator except staticmethod/classmethod
    abstract: bool
    hard: str | None  # why the body itself is asynchronous (None: only awaits of calls, maybe none)
    awaits: tuple[int, ...]  # indices into FileFacts.refs of the calls this body awaits


@dataclass
class ClassInfo:
    qual: str
    name: str
    line: int
    col: int
    bases: tuple[str | None, ...]  # class refs; None where the base expression cannot be resolved
    base_texts: tuple[str, ...]
    members: tuple[str, ...]  # names bound in the class body (methods, attributes)
    rebound: tuple[str, ...]  # names bound more than once in the class body


@dataclass
class FileFacts:
    path: str
    module: str
    is_package: bool
    defs: list[AsyncDef] = field(default_factory=list)
    classes: list[ClassInfo] = field(default_factory=list)
    bindings: dict[str, tuple] = field(default_factory=dict)  # module-level name -> binding
    stars: tuple[str, ...] = ()  # modules star-imported at module level
    all_names: tuple[str, ...] | None = None
    all_dynamic: bool = False
    refs: list[Ref] = field(default_factory=list)
    strings: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # name -> (line, col, literal)


# module-level bindings: ("def", qual, is_async) | ("class", qual) | ("import", dotted)
#                        | ("instance", classref or None) | ("other",) | ("multi", (lines...))

_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)
_COMPS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_STRING_REF = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*\Z")
_PLAIN_DECORATORS = {"staticmethod", "classmethod"}
# a call whose result is discarded or used as a plain value (``x.m()`` as a statement, ``x.m() + 1``,
# ``if x.m():``): were ``x`` an instance of a class whose ``m`` is a coroutine function, the code
# would already be broken, so such a call through an unknown receiver does not block converting ``m``
_PLAIN_CALL = "called without await, its result used as a plain value"
_PLAIN_CONTEXTS = (
    ast.Expr, ast.BinOp, ast.UnaryOp, ast.Compare, ast.Subscript, ast.If, ast.While, ast.For,
    ast.FormattedValue, ast.Assert,
)
_COROUTINE_ATTRS = {"send", "throw", "close", "cr_await", "cr_frame", "cr_running", "cr_code", "__await__"}


def _dotted_text(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _strip_optional(node: ast.AST) -> ast.AST | None:
    """``K | None`` / ``Optional[K]`` -> ``K``; None for anything that is not one class."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = node.left, node.right
        if isinstance(right, ast.Constant) and right.value is None:
            return _strip_optional(left)
        if isinstance(left, ast.Constant) and left.value is None:
            return _strip_optional(right)
        return None
    if isinstance(node, ast.Subscript):
        if _dotted_text(node.value) in ("Optional", "typing.Optional", "t.Optional"):
            return _strip_optional(node.slice)
        return None
    if isinstance(node, (ast.Name, ast.Attribute)):
        return node
    return None


def _short_text(node: ast.AST) -> str:
    text = _dotted_text(node)
    if text is not None:
        return text
    if isinstance(node, ast.Call):
        return _short_text(node.func) + "(...)"
    if isinstance(node, ast.Subscript):
        return _short_text(node.value) + "[...]"
    if isinstance(node, ast.Attribute):
        return _short_text(node.value) + "." + node.attr
    return "an expression"


class _Frame:
    __slots__ = (
        "kind", "qual", "parent", "bindings", "globals", "fn", "cls_qual", "self_name", "genexp",
    )

    def __init__(self, kind: str, qual: str, parent: "_Frame | None") -> None:
        self.kind = kind  # module | class | function | comp
        self.qual = qual
        self.parent = parent
        self.bindings: dict[str, list] = {}
        self.globals: set[str] = set()
        self.fn: dict | None = None  # the async def being collected (function frames of async defs)
        self.cls_qual: str | None = None  # methods: the class
        self.self_name: str | None = None  # methods: first parameter (self / cls), when never rebound
        self.genexp = False


class _Indexer:
    def __init__(self, src: SourceInfo) -> None:
        self.src = src
        self.path = src.path
        self.facts = FileFacts(src.path, src.module, src.is_package)
        self._lines: list[str] | None = None
        self.ascii = src.text.isascii()
        self.module_frame: _Frame | None = None
        self.all_nodes: set[int] = set()
        self.instance_attrs: dict[str, set[str]] = {}  # class entity id -> attributes stored through self

    # -- positions ------------------------------------------------------------------------------
    def col(self, line: int, col: int) -> int:
        """ast columns are UTF-8 byte offsets; LibCST's are characters."""
        if self.ascii:
            return col
        if self._lines is None:
            self._lines = re.split(r"\r\n|\r|\n", self.src.text)
        try:
            return len(self._lines[line - 1].encode("utf-8")[:col].decode("utf-8", "replace"))
        except IndexError:
            return col

    # -- imports --------------------------------------------------------------------------------
    def import_base(self, node: ast.ImportFrom) -> str | None:
        if not node.level:
            return node.module or ""
        parts = self.src.module.split(".") if self.src.module else []
        if not self.src.is_package:
            parts = parts[:-1]
        up = node.level - 1
        if up > len(parts):
            return None
        if up:
            parts = parts[:-up]
        if node.module:
            parts = parts + node.module.split(".")
        return ".".join(parts)

    # -- binding collection (one scope, not entering nested scopes) ----------------------------
    def collect(self, frame: _Frame, nodes: Iterable[ast.AST]) -> None:
        """Names bound in one scope, statement by statement (expressions bind nothing we need:
        a walrus target missed here is only treated as a possible reference, the safe side)."""
        for node in nodes:
            self.bind_stmt(frame, node)

    def bind_target(self, frame: _Frame, target: ast.AST, line: int) -> None:
        t = type(target)
        if t is ast.Name:
            if target.id in frame.globals:
                frame = self.module_frame  # ``global f; f = ...`` rebinds the module's f
            frame.bindings.setdefault(target.id, []).append(("other", line))
        elif t is ast.Tuple or t is ast.List:
            for e in target.elts:
                self.bind_target(frame, e, line)
        elif t is ast.Starred:
            self.bind_target(frame, target.value, line)

    def bind_stmt(self, frame: _Frame, node: ast.AST) -> None:
        b = frame.bindings
        t = type(node)
        if t is ast.FunctionDef or t is ast.AsyncFunctionDef:
            b.setdefault(node.name, []).append(("def", self.child_qual(frame, node.name), t is ast.AsyncFunctionDef, node.lineno))
        elif t is ast.ClassDef:
            b.setdefault(node.name, []).append(("class", self.child_qual(frame, node.name), node.lineno))
        elif t is ast.Assign:
            targets = node.targets
            if len(targets) == 1 and type(targets[0]) is ast.Name and type(node.value) is ast.Call:
                b.setdefault(targets[0].id, []).append(("instance", node.value.func, node.lineno))
            else:
                for target in targets:
                    self.bind_target(frame, target, node.lineno)
        elif t is ast.AugAssign or t is ast.AnnAssign:
            self.bind_target(frame, node.target, node.lineno)
        elif t is ast.Expr or t is ast.Return or t is ast.Pass:
            pass
        elif t is ast.If or t is ast.While:
            self.collect(frame, node.body)
            self.collect(frame, node.orelse)
        elif t is ast.For or t is ast.AsyncFor:
            self.bind_target(frame, node.target, node.lineno)
            self.collect(frame, node.body)
            self.collect(frame, node.orelse)
        elif t is ast.With or t is ast.AsyncWith:
            for item in node.items:
                if item.optional_vars is not None:
                    self.bind_target(frame, item.optional_vars, node.lineno)
            self.collect(frame, node.body)
        elif t is ast.Try or t.__name__ == "TryStar":
            self.collect(frame, node.body)
            for h in node.handlers:
                if h.name:
                    b.setdefault(h.name, []).append(("other", h.lineno))
                self.collect(frame, h.body)
            self.collect(frame, node.orelse)
            self.collect(frame, node.finalbody)
        elif t is ast.Import:
            for alias in node.names:
                if alias.asname:
                    b.setdefault(alias.asname, []).append(("import", alias.name, node.lineno))
                else:
                    top = alias.name.split(".")[0]
                    b.setdefault(top, []).append(("import", top, node.lineno))
        elif t is ast.ImportFrom:
            base = self.import_base(node)
            for alias in node.names:
                if alias.name == "*":
                    if frame.kind == "module" and base is not None:
                        self.facts.stars += (base,)
                    continue
                name = alias.asname or alias.name
                if base is None:
                    b.setdefault(name, []).append(("other", node.lineno))
                else:
                    dotted = f"{base}.{alias.name}" if base else alias.name
                    b.setdefault(name, []).append(("import", dotted, node.lineno))
        elif t is ast.Global:
            frame.globals.update(node.names)
        elif t is ast.Nonlocal:
            for n in node.names:
                b.setdefault(n, []).append(("other", node.lineno))
        elif t is ast.Delete:
            for target in node.targets:
                self.bind_target(frame, target, node.lineno)
        elif t is ast.Match:
            for case in node.cases:
                for p in ast.walk(case.pattern):
                    name = getattr(p, "name", None) if isinstance(p, (ast.MatchAs, ast.MatchStar)) else getattr(p, "rest", None) if isinstance(p, ast.MatchMapping) else None
                    if name:
                        b.setdefault(name, []).append(("other", node.lineno))
                self.collect(frame, case.body)

    @staticmethod
    def child_qual(frame: _Frame, name: str) -> str:
        if frame.kind == "module":
            return name
        if frame.kind == "class":
            return f"{frame.qual}.{name}"
        return f"{frame.qual}.<locals>.{name}"

    # -- name resolution ------------------------------------------------------------------------
    def lookup(self, name: str, frame: _Frame) -> tuple[_Frame, list] | None:
        f: _Frame | None = frame
        first = True
        while f is not None:
            if f.kind == "class" and not first:
                f = f.parent
                continue
            first = False
            if name in f.globals:
                f = self.module_frame
                first = True
                if name in f.bindings:
                    return f, f.bindings[name]
                return None
            if name in f.bindings:
                return f, f.bindings[name]
            f = f.parent
        return None

    def name_target(self, name: str, frame: _Frame) -> tuple[str, Any] | None:
        """What a loaded name refers to, as far as this file can tell."""
        found = self.lookup(name, frame)
        if found is None:
            if self.facts.stars:
                return ("S", None)
            return None
        _, binds = found
        if len(binds) != 1:
            # bound several times (``try: from a import f`` / ``except: from b import f``): a reference
            # to each function it may be, that blocks them all
            subs = tuple(
                ("E", f"{self.path}:{b[1]}") if b[0] == "def" else ("D", b[1])
                for b in binds
                if (b[0] == "def" and b[2]) or b[0] == "import"
            )
            return ("X", subs) if subs else None
        bind = binds[0]
        if bind[0] == "def":
            return ("E", f"{self.path}:{bind[1]}") if bind[2] else None
        if bind[0] == "import":
            return ("D", bind[1])
        return None

    def classref(self, node: ast.AST, frame: _Frame) -> str | None:
        """A class expression as a class ref (entity id or dotted name), or None."""
        if isinstance(node, ast.Subscript):  # Generic[T], Protocol[T]
            node = node.value
        if isinstance(node, ast.Name):
            found = self.lookup(node.id, frame)
            if found is None:
                if self.facts.stars:
                    return None
                return f"builtins.{node.id}"
            _, binds = found
            if len(binds) != 1:
                return None
            bind = binds[0]
            if bind[0] == "class":
                return f"{self.path}:{bind[1]}"
            if bind[0] == "import":
                return bind[1]
            return None
        if isinstance(node, ast.Attribute):
            root = self.import_dotted(node.value, frame)
            if root is not None:
                return f"{root}.{node.attr}"
            inner = self.classref(node.value, frame)
            if inner is not None and ":" in inner:
                return f"{inner}.{node.attr}"  # nested class
        return None

    def import_dotted(self, node: ast.AST, frame: _Frame) -> str | None:
        """``a.b.c`` whose root name is bound by an import: the dotted name it denotes."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        found = self.lookup(node.id, frame)
        if found is None or len(found[1]) != 1 or found[1][0][0] != "import":
            return None
        return ".".join([found[1][0][1], *reversed(parts)])

    def receiver(self, recv: ast.AST, frame: _Frame) -> tuple[str, Any]:
        """Classify the receiver of ``recv.attr``: (kind, value) as in Ref."""
        if isinstance(recv, ast.Name):
            found = self.lookup(recv.id, frame)
            if found is not None:
                bframe, binds = found
                if len(binds) > 1 and any(b[0] == "import" for b in binds):
                    return ("X", tuple(("D", b[1]) for b in binds if b[0] == "import"))
                if len(binds) == 1:
                    bind = binds[0]
                    if bind[0] == "param" and bframe.self_name == recv.id and bframe.cls_qual is not None:
                        return ("KS", f"{self.path}:{bframe.cls_qual}")
                    if bind[0] == "param" and bind[1] is not None:
                        return ("KA", (bind[1], recv.id))
                    if bind[0] == "class":
                        return ("KX", f"{self.path}:{bind[1]}")
                    if bind[0] == "import":
                        return ("D", bind[1])
                    if bind[0] == "instance":
                        ref = self.classref(bind[1], bframe)
                        if ref is not None:
                            return ("KX", ref)
            return ("?", recv.id)
        if isinstance(recv, ast.Attribute):
            dotted = self.import_dotted(recv, frame)
            if dotted is not None:
                return ("D", dotted)
            ref = self.classref(recv, frame)
            if ref is not None and ":" in ref:
                return ("KX", ref)
        if isinstance(recv, ast.Call):
            func = recv.func
            if isinstance(func, ast.Name) and func.id == "super" and self.lookup("super", frame) is None:
                if recv.args:
                    return ("?", "super(...)")  # two-argument super(): the class it starts after may differ
                f = frame
                while f is not None and f.kind != "function":
                    f = f.parent
                if f is not None and f.cls_qual is not None:
                    return ("U", f"{self.path}:{f.cls_qual}")
                return ("?", "super()")
            if isinstance(func, ast.Name) and func.id == "type" and len(recv.args) == 1 and self.lookup("type", frame) is None:
                kind, value = self.receiver(recv.args[0], frame)
                if kind == "KS":
                    return (kind, value)
            ref = self.classref(func, frame)
            if ref is not None and not ref.startswith("builtins."):
                return ("KX", ref)
        return ("?", _short_text(recv))

    # -- the walk -------------------------------------------------------------------------------
    def run(self, tree: ast.Module) -> FileFacts | None:
        frame = _Frame("module", "", None)
        self.module_frame = frame
        self.collect(frame, tree.body)
        for node in tree.body:
            self.visit_all_assign(node)
        for node in tree.body:
            self.visit(node, frame, None)
        facts = self.facts
        facts.bindings = {name: self.export_binding(binds, frame) for name, binds in frame.bindings.items()}
        self.drop_plain_self_refs()
        if not (facts.defs or facts.refs or facts.classes or facts.strings or facts.bindings or facts.stars):
            return None
        return facts

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

    def export_binding(self, binds: list, frame: _Frame) -> tuple:
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

    def fn_frame(self, frame: _Frame) -> _Frame | None:
        f = frame
        while f is not None and f.kind == "comp":
            f = f.parent
        return f if f is not None and f.kind == "function" else None

    def in_genexp(self, frame: _Frame) -> bool:
        f = frame
        while f is not None and f.kind == "comp":
            if f.genexp:
                return True
            f = f.parent
        return False

    def mark_hard(self, frame: _Frame, reason: str) -> None:
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

    def ref_name(self, node: ast.Name, frame: _Frame, use: Any, await_node: ast.AST | None = None) -> int | None:
        target = self.name_target(node.id, frame)
        if target is None:
            return None
        if type(use) is tuple:  # (parent,): describe only what is recorded
            use = self.describe(node, use[0])
        return self.add_ref(node.id, target[0], target[1], node, use, await_node)

    def ref_attr(self, node: ast.Attribute, frame: _Frame, use: str | None, await_node: ast.AST | None = None) -> int:
        kind, value = self.receiver(node.value, frame)
        if kind == "KS" and not isinstance(node.ctx, ast.Load):
            self.instance_attrs.setdefault(value, set()).add(node.attr)
        if kind == "?" and (use == _PLAIN_CALL or use == "assigned to" or use == "deleted"):
            return -1  # never blocks anything (see _PLAIN_CALL): keep the facts small
        if kind == "D":
            value = f"{value}.{node.attr}"
        elif kind == "X":
            value = tuple((k, f"{v}.{node.attr}") for k, v in value)
        return self.add_ref(node.attr, kind, value, node, use, await_node)

    @staticmethod
    def describe(node: ast.AST, parent: ast.AST | None) -> str:
        """How a reference that is not a call is used (for the skip reason)."""
        if isinstance(parent, ast.Call):
            return f"passed to {_short_text(parent.func)}()"
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
        if isinstance(parent, _PLAIN_CONTEXTS) or (isinstance(parent, ast.Attribute) and parent.attr not in _COROUTINE_ATTRS):
            return _PLAIN_CALL
        if isinstance(parent, ast.Call):
            return f"called without await inside {_short_text(parent.func)}()"
        if isinstance(parent, ast.keyword):
            return "called without await, its coroutine passed as an argument"
        if isinstance(parent, ast.Return):
            return "called without await, its coroutine returned"
        if isinstance(parent, (ast.Assign, ast.AnnAssign, ast.NamedExpr)):
            return "called without await, its coroutine stored"
        return "called without await"

    def visit(self, node: ast.AST, frame: _Frame, parent: ast.AST | None) -> None:
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
            self.ref_attr(node, frame, use)
            self.visit_receiver(node.value, frame, node)
            return
        if t is ast.Call:
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
        if t in _COMPS:
            self.visit_comp(node, frame)
            return
        if t is ast.Constant:
            if type(node.value) is str and isinstance(parent, (ast.Call, ast.keyword)):
                self.visit_string(node)  # getattr(obj, "name"), patch("pkg.mod.name"), methodcaller("name")
            return
        if t is ast.Yield or t is ast.YieldFrom:
            self.mark_hard(frame, "it is an async generator (yield)")
        elif t is ast.AsyncFor:
            self.mark_hard(frame, "it uses async for")
        elif t is ast.AsyncWith:
            self.mark_hard(frame, "it uses async with")
        for child in ast.iter_child_nodes(node):
            self.visit(child, frame, node)

    def visit_receiver(self, recv: ast.AST, frame: _Frame, attr: ast.Attribute) -> None:
        # a receiver that is an import path (``m.f``, ``pkg.mod.f``) is not itself a use of anything
        if isinstance(recv, (ast.Name, ast.Attribute)) and self.import_dotted(recv, frame) is not None:
            return
        self.visit(recv, frame, attr)

    def visit_string(self, node: ast.Constant) -> None:
        value = node.value
        if len(value) > 200 or not _STRING_REF.match(value):
            return
        name = value.rsplit(".", 1)[-1]
        if name not in self.facts.strings:
            self.facts.strings[name] = (node.lineno, node.col_offset + 1, value)

    def visit_await(self, node: ast.Await, frame: _Frame) -> None:
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
                        fn.fn["hard"] = f"it awaits {_short_text(func)}()"
                else:
                    fn.fn["awaits"].append(idx)
            for a in value.args:
                self.visit(a, frame, value)
            for k in value.keywords:
                self.visit(k.value, frame, k)
            return
        self.mark_hard(frame, f"it awaits {_short_text(value)}")
        self.visit(value, frame, node)

    def visit_function(self, node: ast.AST, frame: _Frame) -> None:
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
        inner = _Frame("function", qual, frame)
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
                    ann = _strip_optional(a.annotation)
                    ref = self.classref(ann, frame) if ann is not None else None
                    if ref is not None:
                        inner.bindings[a.arg] = [("param", ref)]
        decorators = [] if is_lambda else [_dotted_text(d.func if isinstance(d, ast.Call) else d) or _short_text(d) for d in node.decorator_list]
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
            inner.fn = {"hard": None, "awaits": []}
        for stmt in body:
            self.visit(stmt, inner, node)
        if isinstance(node, ast.AsyncFunctionDef):
            other = [d for d in decorators if d not in _PLAIN_DECORATORS]
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
                )
            )

    def visit_class(self, node: ast.ClassDef, frame: _Frame) -> None:
        for d in node.decorator_list:
            self.visit(d, frame, node)
        bases, texts = [], []
        for b in node.bases:
            self.visit(b, frame, node)
            bases.append(self.classref(b, frame))
            texts.append(_short_text(b))
        for k in node.keywords:  # metaclass=...: not in the instances' MRO
            self.visit(k.value, frame, k)
        qual = self.child_qual(frame, node.name)
        inner = _Frame("class", qual, frame)
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
            )
        )

    def visit_comp(self, node: ast.AST, frame: _Frame) -> None:
        gens = node.generators
        self.visit(gens[0].iter, frame, node)
        inner = _Frame("comp", frame.qual, frame)
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


# ---------------------------------------------------------------------------------------------
# plan helpers

_STDLIB_DENY = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "__main__", "pydoc"}
_MISSING = object()
_stdlib_cache: dict[tuple[str, str], bool | None] = {}


def stdlib_declares(dotted: str, attr: str) -> bool | None:
    """Does the standard-library class ``dotted`` declare ``attr``? None when it cannot be looked up."""
    key = (dotted, attr)
    if key in _stdlib_cache:
        return _stdlib_cache[key]
    result: bool | None = None
    parts = dotted.split(".")
    names = getattr(sys, "stdlib_module_names", frozenset())
    if parts[0] in names and parts[0] not in _STDLIB_DENY and len(parts) > 1:
        obj: Any = None
        rest: list[str] = []
        for i in range(len(parts) - 1, 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except Exception:
                continue
            rest = parts[i:]
            break
        for p in rest:
            obj = getattr(obj, p, _MISSING) if obj is not None else _MISSING
            if obj is _MISSING:
                break
        if obj is not _MISSING and obj is not None and isinstance(obj, type):
            result = hasattr(obj, attr)
    _stdlib_cache[key] = result
    return result


def is_external_class(dotted: str) -> bool:
    """Is ``dotted`` (outside the repository) a class? Looked up in the standard library when it is
    there, otherwise judged by its name (``ClientSession`` is a class, ``copy_of`` is a function)."""
    parts = dotted.split(".")
    names = getattr(sys, "stdlib_module_names", frozenset())
    if parts[0] in names and parts[0] not in _STDLIB_DENY and len(parts) > 1:
        for i in range(len(parts) - 1, 0, -1):
            try:
                obj: Any = importlib.import_module(".".join(parts[:i]))
            except Exception:
                continue
            for p in parts[i:]:
                obj = getattr(obj, p, _MISSING)
                if obj is _MISSING:
                    return False
            return isinstance(obj, type)
        return False
    last = parts[-1]
    return last[:1].isupper() and not last.isupper()


_PROTOCOLS = {"typing.Protocol", "typing_extensions.Protocol"}
_ANYTHING = {"typing.Any", "typing_extensions.Any", "builtins.object"}

# resolution results
_EXTERNAL = ("external",)
_UNRESOLVED = ("unresolved",)
_OTHER = ("other",)


@dataclass
class FilePlan:
    defs: dict[tuple[int, int], str] = field(default_factory=dict)  # (line, col) of `async` -> message
    awaits: dict[tuple[int, int], str] = field(default_factory=dict)  # (line, col) of `await` -> message


_IDENTIFIER_BYTES = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


class _Planner:
    def __init__(self, facts: dict[str, FileFacts], options: dict[str, Any], name: str) -> None:
        self.facts = facts
        self.options = options
        self.name = name
        self.modules: dict[str, str | None] = {}
        for path, f in facts.items():
            self.modules[f.module] = None if f.module in self.modules else path  # None: two files, one name
        self.roots = {m.split(".")[0] for m in self.modules}
        self.defs: dict[str, tuple[str, AsyncDef]] = {}
        self.classes: dict[str, tuple[str, ClassInfo]] = {}
        for path, f in facts.items():
            for d in f.defs:
                self.defs[f"{path}:{d.qual}"] = (path, d)
            for c in f.classes:
                self.classes[f"{path}:{c.qual}"] = (path, c)
        self._dotted: dict[str, tuple] = {}
        self._mro: dict[str, list] = {}
        self._subs: dict[str, list[str]] | None = None
        self._lookup: dict[tuple[str, str, str], tuple] = {}
        self._ext_subs: dict[str, list[str]] | None = None

    # -- names ----------------------------------------------------------------------------------
    def resolve_dotted(self, dotted: str, depth: int = 0) -> tuple:
        cached = self._dotted.get(dotted)
        if cached is not None:
            return cached
        self._dotted[dotted] = _UNRESOLVED  # cycle guard
        result = self._resolve_dotted(dotted, depth)
        self._dotted[dotted] = result
        return result

    def _resolve_dotted(self, dotted: str, depth: int) -> tuple:
        if depth > 20:
            return _UNRESOLVED
        parts = dotted.split(".")
        for i in range(len(parts), 0, -1):
            mod = ".".join(parts[:i])
            if mod in self.modules:
                path = self.modules[mod]
                if path is None:
                    return _UNRESOLVED
                rest = parts[i:]
                if not rest:
                    return ("module", path)
                return self.resolve_in_module(path, rest, depth)
        if parts[0] in self.roots:
            return _UNRESOLVED
        return _EXTERNAL

    def resolve_in_module(self, path: str, rest: list[str], depth: int) -> tuple:
        f = self.facts[path]
        name = rest[0]
        bind = f.bindings.get(name)
        if bind is None:
            # star imports, the last one first (it wins); a repository module that does not have
            # the name is passed over, one that cannot be resolved makes the name unresolvable
            unresolved = False
            for star in reversed(f.stars):
                res = self.resolve_dotted(".".join([star, *rest]), depth + 1)
                if res is _UNRESOLVED:
                    star_path = self.modules.get(star)
                    if star_path is None or name in self.facts[star_path].bindings or self.facts[star_path].stars:
                        unresolved = True
                    continue
                if res is not _EXTERNAL:
                    return res
            if unresolved:
                return _UNRESOLVED
            if f.stars:
                return _EXTERNAL
            sub = f"{f.module}.{name}"
            if sub in self.modules or f.is_package:
                return self.resolve_dotted(".".join([sub, *rest[1:]]), depth + 1) if sub in self.modules else _UNRESOLVED
            return _UNRESOLVED
        kind = bind[0]
        if kind == "def":
            if len(rest) == 1:
                return ("func", f"{path}:{bind[1]}") if bind[2] else _OTHER
            return _OTHER
        if kind == "class":
            cid = f"{path}:{bind[1]}"
            return self.class_member(cid, rest[1:])
        if kind == "import":
            return self.resolve_dotted(".".join([bind[1], *rest[1:]]), depth + 1)
        if kind == "instance" and len(rest) == 2 and bind[1] is not None:
            return ("method", bind[1], rest[1], "KX")
        if kind == "multi":
            return _UNRESOLVED
        if len(rest) == 1:
            return _OTHER
        return _UNRESOLVED  # an attribute of a module-level object of unknown class

    def class_member(self, cid: str, rest: list[str]) -> tuple:
        if not rest:
            return ("class", cid)
        if len(rest) == 1:
            return ("method", cid, rest[0], "KX")
        nested = f"{cid}.{rest[0]}"
        if nested in self.classes:
            return self.class_member(nested, rest[1:])
        return _OTHER

    def class_node(self, ref: str | None) -> tuple:
        """A class ref as an MRO node: ("repo", id) | ("ext", dotted) | ("unknown", text)."""
        if ref is None:
            return ("unknown", "?")
        if ":" in ref:
            if ref in self.classes:
                return ("repo", ref)
            return ("unknown", ref.split(":", 1)[1])
        res = self.resolve_dotted(ref)
        if res[0] == "class":
            return ("repo", res[1])
        if res is _EXTERNAL:
            return ("ext", ref)
        return ("unknown", ref)

    # -- classes --------------------------------------------------------------------------------
    def bases(self, cid: str) -> list[tuple]:
        _, c = self.classes[cid]
        out = []
        for ref, text in zip(c.bases, c.base_texts):
            node = self.class_node(ref)
            if node[0] == "unknown":
                node = ("unknown", text)
            if node != ("ext", "builtins.object"):
                out.append(node)
        return out

    def mro(self, cid: str) -> list[tuple]:
        if cid in self._mro:
            return self._mro[cid]
        self._mro[cid] = [("repo", cid)]  # cycle guard
        seqs = []
        bases = self.bases(cid)
        for b in bases:
            seqs.append(list(self.mro(b[1])) if b[0] == "repo" else [b])
        seqs.append(list(bases))
        result = [("repo", cid)]
        seqs = [s for s in seqs if s]
        while seqs:
            for s in seqs:
                head = s[0]
                if not any(head in other[1:] for other in seqs):
                    break
            else:  # inconsistent hierarchy: fall back to depth-first order
                for s in seqs:
                    for n in s:
                        if n not in result:
                            result.append(n)
                break
            result.append(head)
            seqs = [[n for n in s if n != head] for s in seqs]
            seqs = [s for s in seqs if s]
        self._mro[cid] = result
        return result

    def subclasses(self, cid: str) -> list[str]:
        if self._subs is None:
            direct: dict[str, list[str]] = defaultdict(list)
            for other in self.classes:
                for b in self.bases(other):
                    if b[0] == "repo":
                        direct[b[1]].append(other)
            self._subs = dict(direct)
        out, stack, seen = [], [cid], {cid}
        while stack:
            for s in self._subs.get(stack.pop(), ()):
                if s not in seen:
                    seen.add(s)
                    out.append(s)
                    stack.append(s)
        return sorted(out)

    def is_protocol(self, cid: str) -> bool:
        """A protocol class lists Protocol among its own bases (its explicit subclasses are nominal)."""
        return any(n[0] == "ext" and n[1] in _PROTOCOLS for n in self.bases(cid))

    def external_subclasses(self, dotted: str) -> list[str]:
        """Repository classes with the external class ``dotted`` in their MRO."""
        if self._ext_subs is None:
            self._ext_subs = defaultdict(list)
            for cid in sorted(self.classes):
                for n in self.mro(cid):
                    if n[0] == "ext":
                        self._ext_subs[n[1]].append(cid)
        return self._ext_subs.get(dotted, [])

    def declares(self, node: tuple, attr: str) -> bool | None:
        if node[0] == "repo":
            return attr in self.classes[node[1]][1].members
        if node[0] == "ext":
            return stdlib_declares(node[1], attr)
        return None

    def lookup_in(self, cid: str, attr: str, after: str | None = None) -> tuple:
        """``attr`` looked up along the MRO of ``cid`` (after class ``after``): the declaring node or None."""
        order = self.mro(cid)
        if after is not None:
            if ("repo", after) not in order:
                return ("unknown", after)
            order = order[order.index(("repo", after)) + 1 :]
        for node in order:
            d = self.declares(node, attr)
            if d:
                return node
            if d is None:
                return node if node[0] == "ext" else ("unknown", node[1])
        return ("notfound", cid)

    def method_targets(self, kind: str, classref: str, attr: str) -> tuple[list[str], str | None]:
        """Methods a reference may reach: (repo method ids, why it may reach something else or None)."""
        key = (kind, classref, attr)
        if key in self._lookup:
            return self._lookup[key]
        node = self.class_node(classref)
        shown = classref.split(":")[-1]
        if kind == "KA" and (classref in _ANYTHING or (node[0] == "repo" and self.is_protocol(node[1]))):
            result = ([], f"its annotation {shown} matches any object with a .{attr}()")
            self._lookup[key] = result
            return result
        if node[0] == "ext" and kind == "KX" and not is_external_class(node[1]):
            # ``x = copy.copy(conn)``, ``x = max(conns)``: a function outside the repository may return any object
            result = ([], f"it comes from {shown}(), which may return any object")
            self._lookup[key] = result
            return result
        if node[0] == "ext" and kind == "KA":
            starts = self.external_subclasses(node[1])
            cid = None
        elif node[0] != "repo":
            result = ([], None) if node[0] == "ext" else ([], f"its class {shown} cannot be resolved")
            self._lookup[key] = result
            return result
        else:
            cid = node[1]
            starts = [cid] if kind == "KX" else [cid, *self.subclasses(cid)]
        targets: list[str] = []
        why = None
        for start in starts:
            found = self.lookup_in(start, attr, after=cid if kind == "U" else None)
            if found[0] == "repo":
                if self.classes[found[1]][1].qual and f"{found[1]}.{attr}" not in targets:
                    targets.append(f"{found[1]}.{attr}")
            elif found[0] == "ext":
                if kind != "KX" and why is None:
                    why = f"it may reach {attr}() of {found[1]}, a base class outside the repository"
            elif why is None:
                name = self.classes[cid or start][1].name
                why = (
                    f"{name} does not define {attr}(), so self.{attr} may be another class's method"
                    if found[0] == "notfound"
                    else f"a base class of {name} cannot be resolved"
                )
        result = (targets, why)
        self._lookup[key] = result
        return result


@register
class AwaitFree(Transform):
    """Turn `async def` functions that never await into plain functions, and drop the `await` at every call site.

    ## What it does
    Finds `async def` functions and methods whose own body contains no `await`, `async for`,
    `async with`, async comprehension or `yield`, turns them into plain `def`, and removes the
    `await` in front of every call to them, in every module of the repository: through
    `import m; await m.f()`, `from m import f as g; await g()`, package re-exports, and
    `await self.method()` / `await cls.method()`. Converting a function can make its callers
    await-free as well: the transform repeats until nothing more changes. Awaits inside nested
    functions do not count for the outer one. A method is converted only when every attribute
    reference to its name in the repository resolves to it: through `self`/`cls`, `super()`, the
    class itself, an instance created in the same scope (`c = Client(); await c.close()`) or a
    parameter annotated with the class (`async def pay(account: Account)`).

    It leaves alone, and reports as skipped with the reason: overrides of a base-class method (or of
    any method of a base class from outside the repository that may declare it), methods that a
    subclass overrides, abstract methods and methods of a `Protocol`; functions nothing in the
    repository references (a framework or an outside caller may await them; see
    `include-unreferenced`); async dunders (`__aenter__`, ...); decorated functions (except
    `staticmethod`/`classmethod`); functions used other than by `await f(...)` (passed or stored as
    a value, `create_task(f())`, `gather(f())`, `asyncio.run(f())`, referenced from a string such as
    `getattr(obj, "f")`), methods reached through a receiver of unknown class (`await conn.close()`);
    and names listed in a module's `__all__` (public API; see `include-public`).

    ## Why is this bad?
    An `async def` that never suspends costs a coroutine object, an event-loop-visible `await` at
    every call, and misleads the reader into thinking the call may yield to other tasks (so that
    shared state may change across it). It also forces every caller to be `async` itself, which
    spreads through the code base.

    ## Example
    ```python
    async def parse(raw: bytes) -> dict:
        return json.loads(raw)

    async def handle(raw: bytes) -> None:
        data = await parse(raw)
        await store.save(data)
    ```

    Use instead:
    ```python
    def parse(raw: bytes) -> dict:
        return json.loads(raw)

    async def handle(raw: bytes) -> None:
        data = parse(raw)
        await store.save(data)
    ```

    ## Fix safety
    The fix changes a function's type: callers outside the repository that `await` it, and code
    that checks `inspect.iscoroutinefunction`, break. The transform only converts a function when it
    can see and update every reference to it in the repository, and skips anything public
    (`__all__`), unreferenced, decorated, overriding or overridden. Exceptions raised by the body
    now propagate at the call rather than at the `await`; at an `await f()` call site both happen in
    the same expression, so behaviour is unchanged there. Parameter annotations are trusted: a
    caller that passes an object of another class (a mock, a duck-typed stand-in) to a parameter
    annotated `Account` is not seen. Files that do not parse are not seen either: fix them first.
    Options (`[tool.codemod.await-free]`):
    `include-public = true` also converts names listed in `__all__`; `include-unreferenced = true`
    also converts functions nothing references.
    """

    name = "await-free"
    fix_safety = SAFE
    summary = "async def functions that never await become def; their call sites drop the await"
    prefilter = (b"async def",)
    positional_plan = True
    cross_file = True
    version = "1"
    option_defaults = {"include-public": False, "include-unreferenced": False}

    # -- index ----------------------------------------------------------------------------------
    def index(self, src: SourceInfo, tree: ast.Module) -> FileFacts | None:
        # the walk recurses once per nesting level: anything ast.parse accepts (up to ~3000 levels of
        # ``a + b + ...``) must be walkable (Python frames do not use the C stack since 3.11)
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 12000))
        try:
            return _Indexer(src).run(tree)
        finally:
            sys.setrecursionlimit(limit)

    def reference_names(self, facts: dict[str, Any]) -> set[bytes]:
        # b"import *": a package that re-exports with a star import never names what it re-exports,
        # and without its facts every name reached through it would be unresolvable
        names: set[bytes] = {b"import *"}
        for f in facts.values():
            for d in f.defs:
                if d.hard is None:
                    names.add(d.name.encode())
        return names

    # -- plan -----------------------------------------------------------------------------------
    def plan(self, facts: dict[str, Any]) -> Plan:
        facts = {p: f for p, f in facts.items() if isinstance(f, FileFacts)}
        pl = _Planner(facts, self.options, self.name)
        plan = Plan()
        candidates = {i: v for i, v in pl.defs.items() if v[1].hard is None}
        if not candidates:
            return plan
        cand_names = {d.name for _, d in candidates.values()}

        # every reference to a candidate name, resolved
        refs_to: dict[str, list[tuple[str, Ref]]] = defaultdict(list)
        blocked: dict[str, list[tuple[str, Ref, str, bool]]] = defaultdict(list)  # name -> (path, ref, why, methods only)
        targets_of: dict[tuple[str, int], list[str] | None] = {}
        blocked_ids: dict[str, list[tuple[str, Ref, str]]] = defaultdict(list)  # candidate -> (path, ref, why)
        for path in sorted(facts):
            f = facts[path]
            star_roots = any(s.split(".", 1)[0] in pl.roots for s in f.stars)
            for i, ref in enumerate(f.refs):
                kind = ref[1]
                if kind == "D":
                    if ref[2].split(".", 1)[0] not in pl.roots:
                        continue  # outside the repository
                    name = ref[2].rsplit(".", 1)[-1]
                elif kind == "E":
                    if ref[2] not in candidates:
                        continue
                    name = ref[0]
                elif kind == "S":
                    if not star_roots:
                        continue
                    name = ref[0]
                elif kind == "X":
                    name = ref[0]
                else:
                    name = ref[0]
                    if name not in cand_names:
                        continue
                targets, why, methods_only = self.resolve_ref(pl, f, ref)
                if why is not None and methods_only and ref[5] is not None and (
                    ref[5] == _PLAIN_CALL or ref[5] in ("assigned to", "deleted")
                ):
                    continue  # cannot be a use of a coroutine method (see _PLAIN_CALL)
                if why is not None and targets:
                    for t in targets:
                        blocked_ids[t].append((path, ref, why))
                    targets_of[(path, i)] = None
                    continue
                if why is not None:
                    if name in cand_names:
                        blocked[name].append((path, ref, why, methods_only))
                    targets_of[(path, i)] = None
                    continue
                if len(targets) > 1:
                    blocked[name].append((path, ref, "the call may reach several methods", True))
                    targets_of[(path, i)] = None
                    continue
                targets_of[(path, i)] = targets
                for t in targets:
                    refs_to[t].append((path, ref))

        strings: dict[str, tuple[str, tuple]] = {}
        for path in sorted(facts):
            for name, pos in facts[path].strings.items():
                if name in cand_names and name not in strings:
                    strings[name] = (path, pos)

        public = self.public_entities(pl)
        unknown_base_members = self.unknown_base_members(pl, cand_names)

        # static + reference exemptions
        reasons: dict[str, str] = {}
        editable = getattr(self, "editable", None)  # set by the engine when only some paths may change
        unparsed_words = [(p, set(_IDENTIFIER_BYTES.findall(data))) for p, data in sorted(self.unparsed.items())]
        for cid, (path, d) in candidates.items():
            why = self.exemption(pl, cid, path, d, refs_to, blocked, blocked_ids, strings, public, unknown_base_members)
            if why is None and editable is not None:
                if path not in editable:
                    why = "outside the paths given"
                else:
                    for rpath, ref in refs_to.get(cid, ()):
                        if rpath not in editable:
                            why = f"awaited at {rpath}:{ref[3]}, outside the paths given (run on the whole repository to convert it)"
                            break
            if why is None:
                for upath, words in unparsed_words:
                    if d.name.encode() in words:
                        why = f"its name appears in {upath}, which could not be read (its uses there cannot be seen)"
                        break
            if why is not None:
                reasons[cid] = why

        # least fixpoint: a candidate converts when it is eligible and every call it awaits converts
        deps: dict[str, set[str]] = {}
        stuck: set[str] = set()
        for cid, (path, d) in candidates.items():
            need: set[str] = set()
            for i in d.awaits:
                t = targets_of.get((path, i))
                if not t:
                    stuck.add(cid)
                    break
                need.update(t)
            deps[cid] = need
        waiting_on: dict[str, list[str]] = defaultdict(list)
        remaining: dict[str, int] = {}
        converted: set[str] = set()
        ready = []
        for cid in sorted(candidates):
            if cid in stuck:
                continue
            need = deps[cid]
            if any(n not in candidates or n in stuck for n in need):
                stuck.add(cid)
                continue
            remaining[cid] = len(need)
            for n in need:
                waiting_on[n].append(cid)
            if not need:
                ready.append(cid)
        awaitfree: set[str] = set()  # bodies that no longer await anything, converted or not
        while ready:
            cid = ready.pop()
            awaitfree.add(cid)
            if cid in reasons:
                continue
            converted.add(cid)
            for w in waiting_on.get(cid, ()):
                remaining[w] -= 1
                if remaining[w] == 0:
                    ready.append(w)

        # skips: await-free bodies left alone
        for cid in sorted(awaitfree - converted):
            path, d = candidates[cid]
            if editable is not None and path not in editable:
                continue  # not asked about
            plan.skips.append(Skip(path, d.line, d.col + 1, self.name, f"{self.label(d)}: {reasons[cid]}"))

        # the file plans
        for cid in sorted(converted):
            path, d = candidates[cid]
            fp = plan.files.setdefault(path, FilePlan())
            why = "never awaits" if not d.awaits else "awaits only functions that are now plain functions"
            fp.defs[(d.line, d.col)] = f"{self.label(d)} {why}: async def -> def"
            for rpath, ref in refs_to.get(cid, ()):
                rp = plan.files.setdefault(rpath, FilePlan())
                rp.awaits[(ref[6], ref[7])] = f"{self.label(d)} is no longer a coroutine function: await removed"
        plan.skips.sort()
        return plan

    @staticmethod
    def ref_text(ref: Ref) -> str:
        """``await conn.close()`` / ``conn.close(...)`` / ``conn.close``: the reference as a reviewer sees it."""
        name, kind, value, use = ref[0], ref[1], ref[2], ref[5]
        if kind == "?":
            target = f"{value}.{name}"
        elif kind == "U":
            target = f"super().{name}"
        elif kind == "KS":
            target = f"self.{name}"
        elif kind == "KA":
            target = f"{value[1]}.{name}"
        elif kind in ("D",):
            target = value
        else:
            target = name
        if use is None:
            return f"'await {target}()'"
        if use.startswith("called"):
            return f"'{target}()'"
        return f"'{target}'"

    @staticmethod
    def label(d: AsyncDef) -> str:
        return f"{d.qual}()"

    def resolve_ref(self, pl: _Planner, f: FileFacts, ref: Ref) -> tuple[list[str], str | None, bool]:
        """(candidate ids the reference reaches, why it blocks every candidate of its name, methods only)."""
        name, kind, value = ref[0], ref[1], ref[2]
        if kind == "X":
            targets: list[str] = []
            for sub_kind, sub_value in value:
                sub, _, _ = self.resolve_ref(pl, f, (name, sub_kind, sub_value))
                targets.extend(t for t in sub if t not in targets)
            return targets, f"the name it is called through is bound more than once in {f.path} (a conditional import?)", False
        if kind == "E":
            return ([value] if value in pl.defs else []), None, False
        if kind == "D" or kind == "S":
            if kind == "S":
                res = _EXTERNAL
                for star in f.stars:
                    r = pl.resolve_dotted(f"{star}.{name}")
                    if r is not _EXTERNAL:
                        res = r
                        break
            else:
                res = pl.resolve_dotted(value)
            if res[0] == "func":
                return ([res[1]] if res[1] in pl.defs else []), None, False
            if res[0] == "method":
                targets, why = pl.method_targets(res[3], res[1], res[2])
                return targets, why, True
            if res is _UNRESOLVED:
                shown = value if kind == "D" else name
                return [], f"{shown} cannot be resolved to a definition in the repository", False
            return [], None, False
        if kind in ("KS", "KX", "KA", "U"):
            targets, why = pl.method_targets(kind, value[0] if kind == "KA" else value, name)
            return targets, why, True
        # unknown receiver: any method of that name; and, when awaited, any module-level function of
        # that name too (the receiver may be a module object: ``for part in (a, b): await part.main()``)
        return [], f"the receiver {value} could be any object", ref[5] is not None

    def public_entities(self, pl: _Planner) -> dict[str, str]:
        """Entity ids (functions and classes) listed in some module's __all__ -> that module's path."""
        out: dict[str, str] = {}
        for path in sorted(pl.facts):
            f = pl.facts[path]
            if f.all_names is None:
                continue
            names = set(f.all_names)
            if f.all_dynamic:
                names.update(n for n in f.bindings if not n.startswith("_"))
            for n in sorted(names):
                res = pl.resolve_in_module(path, [n], 0)
                if res[0] in ("func", "class") and res[1] not in out:
                    out[res[1]] = path
        return out

    def unknown_base_members(self, pl: _Planner, cand_names: set[str]) -> dict[str, tuple[str, ClassInfo]]:
        """Method names declared by classes with a base that cannot be resolved (could be any repo class)."""
        out: dict[str, tuple[str, ClassInfo]] = {}
        for cid in sorted(pl.classes):
            if any(b[0] == "unknown" for b in pl.bases(cid)):
                path, c = pl.classes[cid]
                for m in c.members:
                    if m in cand_names and m not in out:
                        out[m] = (path, c)
        return out

    def exemption(self, pl, cid, path, d: AsyncDef, refs_to, blocked, blocked_ids, strings, public, unknown_base_members) -> str | None:
        name = d.name
        is_method = d.cls is not None
        if name.startswith("__") and name.endswith("__"):
            return "dunder method: Python calls it implicitly (async with, async for, await obj()), so its call sites cannot be updated"
        if d.abstract:
            return "abstract method: the async signature is a contract for its implementations"
        if d.decorators:
            return f"decorated with @{d.decorators[0]}, which may need a coroutine function"
        f = pl.facts[path]
        if is_method:
            ccid = f"{path}:{d.cls}"
            _, c = pl.classes[ccid]
            if name in c.rebound:
                return f"{name} is bound more than once in class {c.name}"
            if pl.is_protocol(ccid):
                return f"method of Protocol class {c.name}: the async signature is a contract"
            why = self.override_reason(pl, ccid, c, name)
            if why:
                return why
            other = unknown_base_members.get(name)
            if other is not None and other[1] is not c:
                return (
                    f"class {other[1].name} ({other[0]}:{other[1].line}) has a base that cannot be resolved "
                    f"and declares {name}: it may override it"
                )
            top = f"{path}:{d.cls.split('.')[0]}"
            if top in public and not self.options.get("include-public"):
                return f"method of {c.name}, which is listed in __all__ of {public[top]} (public API)"
        else:
            bind = f.bindings.get(name) if "." not in d.qual else None
            if "." not in d.qual and (bind is None or bind[0] != "def"):
                lines = ", ".join(str(x) for x in bind[1]) if bind and bind[0] == "multi" else "?"
                return f"the name {name} is bound more than once in this module (lines {lines})"
            if cid in public and not self.options.get("include-public"):
                return f"listed in __all__ of {public[cid]} (public API: outside callers cannot be updated)"
        refs = refs_to.get(cid, ())
        for rpath, ref in refs:
            if ref[5] is not None:
                return f"used other than by 'await {name}(...)': {ref[5]} at {rpath}:{ref[3]}"
        for rpath, ref, why, methods_only in blocked.get(name, ()):
            if methods_only and not is_method:
                continue
            return f"{self.ref_text(ref)} at {rpath}:{ref[3]} may call something else: {why}"
        for rpath, ref, why in blocked_ids.get(cid, ()):
            return f"{self.ref_text(ref)} at {rpath}:{ref[3]} may call something else: {why}"
        s = strings.get(name)
        if s is not None:
            spath, (sline, _scol, literal) = s
            return f"referenced from the string {literal!r} at {spath}:{sline} (getattr or similar)"
        if not refs and not self.options.get("include-unreferenced"):
            return "nothing in the repository references it: a framework or an outside caller may await it"
        return None

    @staticmethod
    def member_at(pl: _Planner, cid: str, name: str) -> str:
        path, c = pl.classes[cid]
        d = pl.defs.get(f"{cid}.{name}")
        return f"{c.name}.{name} ({path}:{d[1].line if d else c.line})"

    def override_reason(self, pl: _Planner, ccid: str, c: ClassInfo, name: str) -> str | None:
        for start in [ccid, *pl.subclasses(ccid)]:
            mro = pl.mro(start)
            here = mro.index(("repo", ccid)) if ("repo", ccid) in mro else 0
            for node in mro[:here]:
                if node[0] == "repo" and name in pl.classes[node[1]][1].members:
                    return f"overridden by {self.member_at(pl, node[1], name)}: the async signature is a contract"
            for node in mro[here + 1 :]:
                if node[0] == "repo":
                    if name in pl.classes[node[1]][1].members:
                        return f"overrides {self.member_at(pl, node[1], name)}: the async signature is a contract"
                    continue
                d = pl.declares(node, name)
                if d:
                    return f"overrides {node[1].removeprefix('builtins.')}.{name}: the async signature is a contract"
                if d is None:
                    if node[0] == "ext":
                        return f"{c.name if start == ccid else pl.classes[start][1].name} derives from {node[1]}, outside the repository, which may declare {name}"
                    return f"a base class of {c.name if start == ccid else pl.classes[start][1].name} ({node[1]}) cannot be resolved; it may declare {name}"
        return None

    # -- rewrite --------------------------------------------------------------------------------
    def rewrite(self, module: cst.Module, file_plan: FilePlan, ctx: RewriteContext) -> cst.Module:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 12000))  # as in index(): deep expressions that Python parses
        try:
            return self._rewrite(module, file_plan, ctx)
        finally:
            sys.setrecursionlimit(limit)

    def _rewrite(self, module: cst.Module, file_plan: FilePlan, ctx: RewriteContext) -> cst.Module:
        wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
        positions = wrapper.resolve(PositionProvider)
        rewriter = _Rewriter(file_plan, positions, ctx)
        new = wrapper.module.visit(rewriter)
        missing = (set(file_plan.defs) - rewriter.done_defs) | (set(file_plan.awaits) - rewriter.done_awaits)
        if missing:
            line, col = sorted(missing)[0]
            raise RuntimeError(f"planned position {line}:{col + 1} not found in the tree")
        return new


def _has_comment(ws: cst.BaseParenthesizableWhitespace) -> bool:
    if isinstance(ws, cst.ParenthesizedWhitespace):
        return ws.first_line.comment is not None or any(el.comment is not None for el in ws.empty_lines)
    return False


class _Rewriter(cst.CSTTransformer):
    def __init__(self, file_plan: FilePlan, positions, ctx: RewriteContext) -> None:
        super().__init__()
        self.plan = file_plan
        self.positions = positions
        self.ctx = ctx
        self.done_defs: set[tuple[int, int]] = set()
        self.done_awaits: set[tuple[int, int]] = set()

    def _pos(self, node: cst.CSTNode) -> tuple[int, int]:
        p = self.positions[node].start
        return (p.line, p.column)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.FunctionDef:
        if original.asynchronous is None:
            return updated
        pos = self._pos(original)
        message = self.plan.defs.get(pos)
        if message is None:
            return updated
        self.done_defs.add(pos)
        self.ctx.change(pos[0], pos[1] + 1, message)
        return updated.with_changes(asynchronous=None)

    def leave_Await(self, original: cst.Await, updated: cst.Await) -> cst.BaseExpression:
        pos = self._pos(original)
        message = self.plan.awaits.get(pos)
        if message is None:
            return updated
        self.done_awaits.add(pos)
        self.ctx.change(pos[0], pos[1] + 1, message)
        expr = updated.expression
        ws = updated.whitespace_after_await
        lpar, rpar = list(updated.lpar), list(updated.rpar)
        if lpar and not expr.lpar:
            # ``(await f()).x`` -> ``f().x``; keep the parentheses when they hold a line break or comment
            inner = cst.Module([]).code_for_node(updated)
            if "\n" not in inner and "\r" not in inner and "#" not in inner.replace(cst.Module([]).code_for_node(expr), ""):
                lpar, rpar = [], []
        if _has_comment(ws) or (isinstance(ws, cst.ParenthesizedWhitespace) and lpar):
            # a comment (or line break) after ``await``: keep it, after an opening parenthesis
            if lpar:
                first = lpar[0]
                lpar[0] = first.with_changes(whitespace_after=ws) if _is_empty(first.whitespace_after) else first
            else:
                lpar, rpar = [cst.LeftParen(whitespace_after=ws)], [cst.RightParen()]
        return expr.with_changes(lpar=[*lpar, *expr.lpar], rpar=[*expr.rpar, *rpar])


def _is_empty(ws: cst.BaseParenthesizableWhitespace) -> bool:
    return isinstance(ws, cst.SimpleWhitespace) and ws.value == ""
