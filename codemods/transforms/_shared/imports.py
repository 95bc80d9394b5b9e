"""Imports for generated code: in the file's own style, added once, after its docstring and
``__future__`` imports (LibCST's AddImportsVisitor), merged into an existing ``from m import ...``."""

from __future__ import annotations

import libcst as cst
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor


def dotted_name(expr: cst.BaseExpression | None) -> str | None:
    """``a.b.c`` for a LibCST name or attribute chain, else None."""
    if isinstance(expr, cst.Name):
        return expr.value
    if isinstance(expr, cst.Attribute):
        head = dotted_name(expr.value)
        return f"{head}.{expr.attr.value}" if head else None
    return None


_dotted = dotted_name


def import_style(module: cst.Module, source: str) -> str | None:
    """How the file imports from ``source``: "module" (``import asyncio``), "from" (``from asyncio
    import ...``), or None when it does not import it at top level."""
    style = None
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for node in stmt.body:
            if isinstance(node, cst.Import):
                for alias in node.names:
                    if _dotted(alias.name) == source and alias.asname is None:
                        return "module"
            elif isinstance(node, cst.ImportFrom) and not node.relative and _dotted(node.module) == source:
                style = style or "from"
    return style


def add_import(module: cst.Module, source: str, name: str | None = None) -> cst.Module:
    """``import source`` (``name`` None) or ``from source import name``, unless the file has it already.

    A name joins an existing top-level ``from source import ...`` (kept sorted if it was); otherwise
    LibCST's AddImportsVisitor places the new import after the docstring and ``__future__`` imports.
    """
    if name is not None:
        body = list(module.body)
        for index, stmt in enumerate(body):
            if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
                continue
            node = stmt.body[0]
            if (
                isinstance(node, cst.ImportFrom)
                and not node.relative
                and _dotted(node.module) == source
                and not isinstance(node.names, cst.ImportStar)
            ):
                aliases = list(node.names)
                if any(_dotted(a.name) == name and a.asname is None for a in aliases):
                    return module
                body[index] = stmt.with_changes(body=[node.with_changes(names=_with_alias(aliases, name))])
                return module.with_changes(body=body)
    context = CodemodContext()
    AddImportsVisitor.add_needed_import(context, source, name)
    return AddImportsVisitor(context).transform_module(module)


def _with_alias(aliases: list[cst.ImportAlias], name: str) -> list[cst.ImportAlias]:
    keys = [(_dotted(a.name) or "").lower() for a in aliases]
    at = len(aliases)
    if keys == sorted(keys):
        at = next((i for i, k in enumerate(keys) if k > name.lower()), len(aliases))
    sep = next(
        (a.comma for a in aliases[:-1] if isinstance(a.comma, cst.Comma)),
        cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")),
    )
    new = cst.ImportAlias(name=cst.Name(name), comma=sep)
    if at == len(aliases):
        last = aliases[-1]
        aliases[-1] = last.with_changes(comma=sep)
        new = new.with_changes(comma=last.comma)
    return [*aliases[:at], new, *aliases[at:]]


__all__ = ["add_import", "dotted_name", "import_style"]
