"""Positions reported from the node, as Fixit's ``self.report(node)`` does: 1-based line and column."""

from __future__ import annotations

import ast
import bisect
import re
from typing import Callable, Mapping, Optional

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider


class Positions:
    """Where nodes of one LibCST module start and end, resolved once per module.

    ``Positions(module)`` resolves LibCST's PositionProvider without the wrapper's defensive deep copy
    (the module is not mutated while positions are read). ``start(node)`` is ``(line, column)`` with a
    1-based column, as ruff and ``codemod`` print them.
    """

    def __init__(self, module: cst.Module, ranges: Mapping[cst.CSTNode, CodeRange] | None = None) -> None:
        self.ranges = ranges if ranges is not None else MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)

    def start(self, node: cst.CSTNode) -> tuple[int, int]:
        p = self.ranges[node].start
        return p.line, p.column + 1

    def end(self, node: cst.CSTNode) -> tuple[int, int]:
        p = self.ranges[node].end
        return p.line, p.column + 1

    def line(self, node: cst.CSTNode) -> int:
        return self.ranges[node].start.line

    def __contains__(self, node: object) -> bool:
        return node in self.ranges


__all__ = [
    "Positions", "async_starts", "columns", "lines_holding", "python_lines", "remember_source", "source_of", "spans_any",
]


def python_lines(source: str) -> list[str]:
    """The lines of ``source`` as Python numbers them (``ast``'s ``lineno``): ended by ``\\r\\n``, ``\\r``
    or ``\\n``, and by none of the other separators ``str.splitlines`` knows (a form feed is whitespace)."""
    return re.split(r"\r\n|\r|\n", source) if "\r" in source else source.split("\n")


def columns(source: str) -> Callable[[int, int], int]:
    """``ast``'s (line, UTF-8 byte offset) in ``source`` -> the 1-based character column reports use."""
    lines = python_lines(source)
    encoded: dict[int, bytes] = {}

    def column(line: int, offset: int) -> int:
        if line > len(lines):
            return offset + 1
        raw = encoded.get(line)
        if raw is None:
            raw = encoded[line] = lines[line - 1].encode("utf-8", "surrogatepass")
        return len(raw[:offset].decode("utf-8", "replace")) + 1

    return column


def lines_holding(source: str, needle: str) -> list[int]:
    """The 1-based numbers of the lines of ``source`` that contain ``needle``, in order (a cheap bound:
    a node that spans none of them holds no token spelled ``needle``)."""
    if needle not in source:
        return []
    return [n for n, line in enumerate(python_lines(source), 1) if needle in line]


def spans_any(node, lines: list[int]) -> bool:
    """Whether an ``ast`` node's lines (``lineno`` to ``end_lineno``) include one of ``lines`` (sorted)."""
    i = bisect.bisect_left(lines, node.lineno)
    return i < len(lines) and lines[i] <= (node.end_lineno or node.lineno)


# -- the text a module was parsed from, and where its async defs and awaits start ------------------
_SOURCES: dict[int, tuple[cst.Module, str]] = {}


def remember_source(module: cst.Module, text: str) -> None:
    """Record that ``module`` was parsed from ``text`` (its code, without a code generation)."""
    if len(_SOURCES) >= 16:
        _SOURCES.pop(next(iter(_SOURCES)))
    _SOURCES[id(module)] = (module, text)


def source_of(module: cst.Module) -> str:
    """``module.code``, from the text it was parsed from when that is known."""
    hit = _SOURCES.get(id(module))
    return hit[1] if hit is not None and hit[0] is module else module.code


class _Starts(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.defs: list[cst.FunctionDef] = []
        self.awaits: list[cst.Await] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        if node.asynchronous is not None:
            self.defs.append(node)

    def visit_Await(self, node: cst.Await) -> None:
        self.awaits.append(node)


def async_starts(module: cst.Module) -> dict[cst.CSTNode, tuple[int, int]]:
    """Where each ``async def`` (its ``async``) and each ``await`` of ``module`` starts, as ``(line,
    0-based character column)``: what ``Positions`` gives for them, without LibCST's position metadata
    (a code generation that records every node's position: most of await-free's rewrite time).

    CPython's ``ast`` of the same text has the same async defs and awaits; LibCST visits them in the
    order they start (a node before its children, children in source order), so the n-th visited is
    the n-th by position. This is checked each time (the counts agree, and each position spells
    ``async``/``await``); where it does not hold, the positions come from ``Positions``."""
    visitor = _Starts()
    module.visit(visitor)
    found = ordinal_starts(source_of(module), visitor.defs, visitor.awaits)
    if found is not None:
        return found
    positions = Positions(module)
    return {node: (positions.start(node)[0], positions.start(node)[1] - 1) for node in [*visitor.defs, *visitor.awaits]}


def ordinal_starts(
    text: str, defs: list[cst.FunctionDef], awaits: list[cst.Await]
) -> Optional[dict[cst.CSTNode, tuple[int, int]]]:
    """The starts of LibCST's ``defs`` and ``awaits`` (in visiting order) from ``ast``'s, or None when
    the two do not line up."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines, column = python_lines(text), columns(text)

    def start(node: ast.AST) -> tuple[int, int]:
        return node.lineno, column(node.lineno, node.col_offset) - 1

    ast_defs, ast_awaits = [], []
    for node in ast.walk(tree):
        if isinstance(node, ast.AsyncFunctionDef):
            ast_defs.append(start(node))
        elif isinstance(node, ast.Await):
            ast_awaits.append(start(node))
    if len(ast_defs) != len(defs) or len(ast_awaits) != len(awaits):
        return None
    found: dict[cst.CSTNode, tuple[int, int]] = {**dict(zip(defs, sorted(ast_defs))), **dict(zip(awaits, sorted(ast_awaits)))}
    for node, (line, col) in found.items():
        if not lines[line - 1].startswith("async" if isinstance(node, cst.FunctionDef) else "await", col):
            return None
    return found
