"""Names within one file: which scope binds what, and what a loaded name or a receiver refers to.

Python's rules, as far as the tool relies on them: a function's names are bound anywhere in its body
(``def``, ``class``, assignments, ``for``/``with``/``except`` targets, imports, walrus targets, ``match``
captures); ``global x`` makes every store to ``x`` in that function a store to the module's ``x``;
class bodies are not enclosing scopes for the functions inside them.
"""

from __future__ import annotations

import ast
import re
from typing import Any, Iterable

from .._shared.positions import lines_holding, spans_any
from ..base import SourceInfo
from .facts import FileFacts

# compound statements' statement lists: collected by recursion, not scanned for walrus targets
_BODIES = frozenset({"body", "orelse", "finalbody", "handlers", "cases"})
_NEW_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


def dotted_text(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def strip_optional(node: ast.AST) -> ast.AST | None:
    """``K | None`` / ``Optional[K]`` -> ``K``; None for anything that is not one class."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        left, right = node.left, node.right
        if isinstance(right, ast.Constant) and right.value is None:
            return strip_optional(left)
        if isinstance(left, ast.Constant) and left.value is None:
            return strip_optional(right)
        return None
    if isinstance(node, ast.Subscript):
        if dotted_text(node.value) in ("Optional", "typing.Optional", "t.Optional"):
            return strip_optional(node.slice)
        return None
    if isinstance(node, (ast.Name, ast.Attribute)):
        return node
    return None


def short_text(node: ast.AST) -> str:
    text = dotted_text(node)
    if text is not None:
        return text
    if isinstance(node, ast.Call):
        return short_text(node.func) + "(...)"
    if isinstance(node, ast.Subscript):
        return short_text(node.value) + "[...]"
    if isinstance(node, ast.Attribute):
        return short_text(node.value) + "." + node.attr
    return "an expression"


def walrus_targets(node: ast.AST) -> Iterable[ast.Name]:
    """Walrus targets a statement binds in its own scope: its expressions (comprehensions included,
    whose walrus targets bind in the enclosing scope), not its nested statements or lambdas."""
    stack = [v for f, v in ast.iter_fields(node) if f not in _BODIES]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, ast.NamedExpr):
            yield item.target
            stack.append(item.value)
        elif isinstance(item, ast.AST) and not isinstance(item, (ast.Lambda, ast.stmt)):
            stack.extend(v for _, v in ast.iter_fields(item))


def own_scope(fn: ast.AST) -> Iterable[ast.AST]:
    """Every node of a function's own scope (nested functions, classes and lambdas not entered)."""
    stack = list(fn.body)
    while stack:
        node = stack.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, _NEW_SCOPES):
                yield child  # its name (and decorators) belong to this scope; its body does not
                stack.extend(getattr(child, "decorator_list", ()))
            else:
                stack.append(child)


def global_stores(tree: ast.Module) -> dict[str, int]:
    """Module names that a function rebinds through ``global`` (name -> first line), wherever in the
    file the function is: ``def install(): global send; send = make_sender()``."""
    out: dict[str, int] = {}
    for fn in ast.walk(tree):
        if not isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        nodes = list(own_scope(fn))
        declared = {n for node in nodes if isinstance(node, ast.Global) for n in node.names}
        if not declared:
            continue
        for node in nodes:
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                name = node.id
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = node.name
            elif isinstance(node, ast.alias):
                name = (node.asname or node.name).split(".")[0]
            elif isinstance(node, ast.ExceptHandler):
                name = node.name
            else:
                continue
            if name in declared and name not in out:
                out[name] = getattr(node, "lineno", fn.lineno)
    return out


class Frame:
    __slots__ = (
        "kind", "qual", "parent", "bindings", "globals", "fn", "cls_qual", "self_name", "genexp", "node",
    )

    def __init__(self, kind: str, qual: str, parent: "Frame | None") -> None:
        self.kind = kind  # module | class | function | comp
        self.qual = qual
        self.parent = parent
        self.bindings: dict[str, list] = {}
        self.globals: set[str] = set()
        self.fn: dict | None = None  # the async def being collected (function frames of async defs)
        self.cls_qual: str | None = None  # methods: the class
        self.self_name: str | None = None  # methods: first parameter (self / cls), when never rebound
        self.genexp = False
        self.node: ast.AST | None = None  # function frames: the function


class Scopes:
    """Binding collection and name resolution for one file; :class:`index.Indexer` walks with it."""

    def __init__(self, src: SourceInfo) -> None:
        self.src = src
        self.path = src.path
        self.facts = FileFacts(src.path, src.module, src.is_package)
        self._lines: list[str] | None = None
        self.ascii = src.text.isascii()
        self.module_frame: Frame | None = None
        self.walrus_lines = lines_holding(src.text, ":=")  # a statement spanning none of them binds no walrus target

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
    def collect(self, frame: Frame, nodes: Iterable[ast.AST]) -> None:
        """Names bound in one scope, statement by statement."""
        for node in nodes:
            self.bind_stmt(frame, node)

    @staticmethod
    def bind(frame: Frame, name: str, binding: tuple) -> None:
        if name in frame.globals and frame.kind != "module":
            return  # a store to the module's name: global_stores() recorded it there
        frame.bindings.setdefault(name, []).append(binding)

    def bind_target(self, frame: Frame, target: ast.AST, line: int) -> None:
        t = type(target)
        if t is ast.Name:
            self.bind(frame, target.id, ("other", line))
        elif t is ast.Tuple or t is ast.List:
            for e in target.elts:
                self.bind_target(frame, e, line)
        elif t is ast.Starred:
            self.bind_target(frame, target.value, line)

    def bind_stmt(self, frame: Frame, node: ast.AST) -> None:
        t = type(node)
        if self.walrus_lines and spans_any(node, self.walrus_lines):
            for target in walrus_targets(node):
                self.bind(frame, target.id, ("other", target.lineno))
        if t is ast.FunctionDef or t is ast.AsyncFunctionDef:
            self.bind(frame, node.name, ("def", self.child_qual(frame, node.name), t is ast.AsyncFunctionDef, node.lineno))
        elif t is ast.ClassDef:
            self.bind(frame, node.name, ("class", self.child_qual(frame, node.name), node.lineno))
        elif t is ast.Assign:
            targets = node.targets
            if len(targets) == 1 and type(targets[0]) is ast.Name and type(node.value) is ast.Call:
                self.bind(frame, targets[0].id, ("instance", node.value.func, node.lineno))
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
                    self.bind(frame, h.name, ("other", h.lineno))
                self.collect(frame, h.body)
            self.collect(frame, node.orelse)
            self.collect(frame, node.finalbody)
        elif t is ast.Import:
            for alias in node.names:
                if alias.asname:
                    self.bind(frame, alias.asname, ("import", alias.name, node.lineno))
                else:
                    top = alias.name.split(".")[0]
                    self.bind(frame, top, ("import", top, node.lineno))
        elif t is ast.ImportFrom:
            base = self.import_base(node)
            for alias in node.names:
                if alias.name == "*":
                    if frame.kind == "module" and base is not None:
                        self.facts.stars += (base,)
                    continue
                name = alias.asname or alias.name
                if base is None:
                    self.bind(frame, name, ("other", node.lineno))
                else:
                    dotted = f"{base}.{alias.name}" if base else alias.name
                    self.bind(frame, name, ("import", dotted, node.lineno))
        elif t is ast.Global:
            frame.globals.update(node.names)
        elif t is ast.Nonlocal:
            for n in node.names:
                self.bind(frame, n, ("other", node.lineno))
        elif t is ast.Delete:
            for target in node.targets:
                self.bind_target(frame, target, node.lineno)
        elif t is ast.Match:
            for case in node.cases:
                for p in ast.walk(case.pattern):
                    if isinstance(p, (ast.MatchAs, ast.MatchStar)):
                        name = p.name
                    elif isinstance(p, ast.MatchMapping):
                        name = p.rest
                    else:
                        name = None
                    if name:
                        self.bind(frame, name, ("other", node.lineno))
                self.collect(frame, case.body)

    @staticmethod
    def child_qual(frame: Frame, name: str) -> str:
        if frame.kind == "module":
            return name
        if frame.kind == "class":
            return f"{frame.qual}.{name}"
        return f"{frame.qual}.<locals>.{name}"

    # -- name resolution ------------------------------------------------------------------------
    def lookup(self, name: str, frame: Frame) -> tuple[Frame, list] | None:
        f: Frame | None = frame
        first = True
        while f is not None:
            if f.kind == "class" and not first:
                f = f.parent
                continue
            first = False
            if name in f.globals:
                f = self.module_frame
                if name in f.bindings:
                    return f, f.bindings[name]
                return None
            if name in f.bindings:
                return f, f.bindings[name]
            f = f.parent
        return None

    def name_target(self, name: str, frame: Frame) -> tuple[str, Any] | None:
        """What a loaded name refers to, as far as this file can tell."""
        found = self.lookup(name, frame)
        if found is None:
            if self.facts.stars:
                return ("S", None)
            return None
        _, binds = found
        if len(binds) != 1:
            # bound several times (``try: from a import f`` / ``except: from b import f``, a walrus, a
            # ``global`` store): a reference to each function it may be, that blocks them all
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

    def classref(self, node: ast.AST, frame: Frame) -> str | None:
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

    def import_dotted(self, node: ast.AST, frame: Frame) -> str | None:
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

    def is_builtin(self, name: str, frame: Frame) -> bool:
        """``name`` is the builtin of that name here (not shadowed, no star import that may bind it)."""
        return self.lookup(name, frame) is None and not self.facts.stars

    def receiver(self, recv: ast.AST, frame: Frame) -> tuple[str, Any]:
        """Classify the receiver of ``recv.attr``: (kind, value) as in facts.Ref."""
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
                            if bframe is self.module_frame:
                                return ("KG", (ref, recv.id))  # another module may replace it
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
        return ("?", short_text(recv))
