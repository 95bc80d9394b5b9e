"""Docstrings: recognised as Python does (the first statement of a body, a plain string literal)."""

from __future__ import annotations

import libcst as cst


def is_docstring(stmt: cst.CSTNode) -> bool:
    """Whether ``stmt`` (the first statement of a module, class or function body) is its docstring."""
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Expr)
        and isinstance(stmt.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def docstring_of(node: cst.Module | cst.ClassDef | cst.FunctionDef) -> str | None:
    """The docstring's text, or None."""
    if isinstance(node, cst.Module):
        return node.get_docstring()
    return node.get_docstring()


__all__ = ["docstring_of", "is_docstring"]
