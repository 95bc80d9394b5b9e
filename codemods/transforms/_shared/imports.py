"""Imports for generated code: in the file's own style, added once, after its docstring and
``__future__`` imports (LibCST's AddImportsVisitor), merged into an existing ``from m import ...``."""

from __future__ import annotations

import sys

import libcst as cst


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


def module_alias(module: cst.Module, source: str) -> str | None:
    """The name a top-level ``import source`` / ``import source as alias`` binds the module to, or None."""
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for node in stmt.body:
            if isinstance(node, cst.Import):
                for alias in node.names:
                    if _dotted(alias.name) == source:
                        if alias.asname is None:
                            return source.split(".")[0] if "." not in source else None
                        if isinstance(alias.asname.name, cst.Name):
                            return alias.asname.name.value
    return None


def add_import(module: cst.Module, source: str, name: str | None = None) -> cst.Module:
    """``import source`` (``name`` None) or ``from source import name``, unless the file has it already.

    A name joins an existing top-level ``from source import ...`` (kept sorted if it was); a plain import
    joins the file's run of plain standard-library imports; otherwise LibCST's AddImportsVisitor places the
    new import after the docstring and ``__future__`` imports.
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
    else:
        placed = _place_plain_import(module, source)
        if placed is not None:
            return placed
    from libcst.codemod import CodemodContext  # imported when needed: see .lazy
    from libcst.codemod.visitors import AddImportsVisitor

    context = CodemodContext()
    AddImportsVisitor.add_needed_import(context, source, name)
    return AddImportsVisitor(context).transform_module(module)


def _top_module(stmt: cst.CSTNode) -> str | None:
    """``os`` for a top-level line holding only ``import os`` / ``import os.path as p``; ``pathlib`` for
    ``from pathlib import Path`` (not relative, not ``__future__``)."""
    if not isinstance(stmt, cst.SimpleStatementLine) or len(stmt.body) != 1:
        return None
    node = stmt.body[0]
    if isinstance(node, cst.Import) and len(node.names) == 1:
        dotted = _dotted(node.names[0].name)
    elif isinstance(node, cst.ImportFrom) and not node.relative and node.module is not None:
        dotted = _dotted(node.module)
    else:
        return None
    top = (dotted or "").split(".")[0]
    return top if top and top != "__future__" else None


def _has_plain_import(stmt: cst.CSTNode, source: str) -> bool:
    return (
        isinstance(stmt, cst.SimpleStatementLine)
        and len(stmt.body) == 1
        and isinstance(stmt.body[0], cst.Import)
        and any(_dotted(a.name) == source and a.asname is None for a in stmt.body[0].names)
    )


def _place_plain_import(module: cst.Module, source: str) -> cst.Module | None:
    """``import source`` among the file's own standard-library imports (``import x`` and ``from x import
    y`` alike), where a reviewer would put it: before the first one that sorts after it when they are
    sorted, else after the last (still before the third-party imports). The module itself when it already
    has the import; None when the source is not in the standard library or the file has no top-level import."""
    body = list(module.body)
    if any(_has_plain_import(s, source) for s in body):
        return module
    stdlib_names = getattr(sys, "stdlib_module_names", frozenset())
    if source.split(".")[0] not in stdlib_names:
        return None
    imports = [(i, top) for i, stmt in enumerate(body) if (top := _top_module(stmt))]
    stdlib = [(i, top) for i, top in imports if top in stdlib_names]
    if not stdlib:
        if not imports:
            return None
        # only third-party or local imports: a standard-library section of its own goes first
        at = imports[0][0]
        new_line = cst.parse_statement(f"import {source}\n").with_changes(leading_lines=body[at].leading_lines)  # type: ignore[attr-defined]
        body[at] = body[at].with_changes(leading_lines=[cst.EmptyLine()])  # type: ignore[attr-defined]
        body.insert(at, new_line)
        return module.with_changes(body=body)
    # isort's and ruff's order: the section's plain imports, sorted, then its `from` imports
    plain = [(i, top) for i, top in stdlib if isinstance(body[i].body[0], cst.Import)]  # type: ignore[attr-defined]
    if plain:
        tops = [top.lower() for _, top in plain]
        later = [i for i, top in plain if top.lower() > source.lower()] if tops == sorted(tops) else []
        at = later[0] if later else plain[-1][0] + 1
    else:
        at = stdlib[0][0]
    new_line = cst.parse_statement(f"import {source}\n")
    if at == stdlib[0][0]:  # first of the section now: it takes the blank lines (or comment) above the section
        new_line = new_line.with_changes(leading_lines=body[at].leading_lines)  # type: ignore[attr-defined]
        body[at] = body[at].with_changes(leading_lines=())  # type: ignore[attr-defined]
    body.insert(at, new_line)
    return module.with_changes(body=body)


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


__all__ = ["add_import", "dotted_name", "import_style", "module_alias"]
