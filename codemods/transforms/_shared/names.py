"""Fresh names for generated code: never a keyword, never a builtin, never a name already in use.

A generated name should read as if a person chose it: derived from what it holds (the keyword it is
passed as, the callee's parameter, the attribute it copies), never ``arg2``. Every transform picks
names here, so a rule such as "not a keyword" holds everywhere at once.
"""

from __future__ import annotations

import ast
import builtins
import keyword
import re
from typing import Iterable

import libcst as cst

_BUILTINS = frozenset(dir(builtins))
# legal as names, but a reviewer would not choose them for a variable
_AWKWARD = frozenset({"_", "__", "self", "cls", "match", "case", "type"})


def is_usable_name(name: str) -> bool:
    """A name generated code may bind: an identifier that is no keyword, builtin or awkward soft keyword."""
    return (
        bool(name)
        and name.isidentifier()
        and not keyword.iskeyword(name)
        and name not in _BUILTINS
        and name not in _AWKWARD
        and not (name.startswith("__") and name.endswith("__"))
    )


def identifier_from(text: str | None) -> str | None:
    """A readable variable name from an expression's last name: ``self._class`` -> ``class_``.

    Leading underscores go (a local is not private), a keyword or builtin gets PEP 8's trailing
    underscore, and CamelCase becomes snake_case. None when nothing usable is left.
    """
    if not text:
        return None
    last = re.split(r"[.\[\]()]", text.strip())
    last = [p for p in last if p.strip()]
    if not last:
        return None
    name = last[-1].strip().lstrip("_")
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower() if not name.isupper() else name.lower()
    name = re.sub(r"\W", "_", name).strip("_")
    if not name or not name.isidentifier():
        return None
    if not is_usable_name(name):
        name = name + "_"
    return name if is_usable_name(name) else None


def fresh_name(*candidates: str | None, taken: set[str], default: str = "value") -> str:
    """The first usable candidate not in ``taken`` (else the first, numbered: ``timeout_2``).

    ``taken`` is every name the new binding must not shadow or collide with (the caller knows the
    scope; :func:`names_in` gives every name a node mentions). The chosen name is added to it, so the
    next call picks another.
    """
    names = []
    for cand in candidates:
        if not cand:
            continue
        if not is_usable_name(cand):
            cand = identifier_from(cand)
        if cand and is_usable_name(cand):
            names.append(cand)
    if not names:
        names = [default]
    name = next((c for c in names if c not in taken), None)
    n = 2
    while name is None or name in taken:
        name, n = f"{names[0]}_{n}", n + 1
    taken.add(name)
    return name


class _CstNames(cst.CSTVisitor):
    def __init__(self, variables: bool) -> None:
        self.names: set[str] = set()
        self.variables = variables

    def visit_Name(self, node: cst.Name) -> None:
        self.names.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        if not self.variables:
            return True
        node.value.visit(self)  # `.attr` is not a variable
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        if not self.variables:
            return True
        node.value.visit(self)  # nor is `keyword=`
        return False


def names_in(node: cst.CSTNode | ast.AST | Iterable[ast.AST], *, variables: bool = False) -> set[str]:
    """Every identifier a LibCST or ``ast`` tree mentions as a name (bound or read, any scope).

    Over-inclusive on purpose: a fresh name that avoids all of them cannot shadow or be shadowed.
    ``variables=True`` (LibCST trees) leaves out attribute names (``obj.attr``) and keyword-argument
    names (``f(key=...)``), which no variable can collide with: a transform that names a variable after
    a keyword it passes (``timeout = 1; f(timeout=timeout)``) needs that.
    """
    if isinstance(node, cst.CSTNode):
        visitor = _CstNames(variables)
        node.visit(visitor)
        return visitor.names
    nodes = [node] if isinstance(node, ast.AST) else list(node)
    out: set[str] = set()
    for root in nodes:
        for sub in ast.walk(root):
            if isinstance(sub, ast.Name):
                out.add(sub.id)
            elif isinstance(sub, ast.arg):
                out.add(sub.arg)
            elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                out.add(sub.name)
            elif isinstance(sub, ast.alias):
                out.add((sub.asname or sub.name).split(".")[0])
            elif isinstance(sub, (ast.Global, ast.Nonlocal)):
                out.update(sub.names)
            elif isinstance(sub, ast.ExceptHandler) and sub.name:
                out.add(sub.name)
            elif isinstance(sub, (ast.MatchAs, ast.MatchStar)) and sub.name:
                out.add(sub.name)
            elif isinstance(sub, ast.MatchMapping) and sub.rest:
                out.add(sub.rest)
    return out


__all__ = ["fresh_name", "identifier_from", "is_usable_name", "names_in"]
