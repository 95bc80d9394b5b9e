"""Positions reported from the node, as Fixit's ``self.report(node)`` does: 1-based line and column."""

from __future__ import annotations

import bisect
import re
from typing import Mapping

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


__all__ = ["Positions"]


def lines_holding(source: str, needle: str) -> list[int]:
    """The 1-based numbers of the lines of ``source`` that contain ``needle``, in order (a cheap bound:
    a node that spans none of them holds no token spelled ``needle``)."""
    if needle not in source:
        return []
    lines = re.split(r"\r\n|\r|\n", source) if "\r" in source else source.split("\n")  # as Python counts lines
    return [n for n, line in enumerate(lines, 1) if needle in line]


def spans_any(node, lines: list[int]) -> bool:
    """Whether an ``ast`` node's lines (``lineno`` to ``end_lineno``) include one of ``lines`` (sorted)."""
    i = bisect.bisect_left(lines, node.lineno)
    return i < len(lines) and lines[i] <= (node.end_lineno or node.lineno)
