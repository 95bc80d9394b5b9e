"""Carry out block plans on the LibCST tree: captures under the lock, the tail after it, collected calls.

The plans were made on CPython's ast of the same text; a block is found again by the line its `with`
starts on, and nodes inside it by the same path of statement indexes and roles (the planner refused
blocks whose statements share a line, so the two trees' statement lists correspond).
"""

from __future__ import annotations

from typing import Sequence

import libcst as cst

from .._shared import Positions
from .planning import BlockPlan, Path


def resolve(body: Sequence[cst.CSTNode], path: Path) -> cst.CSTNode:
    node: cst.CSTNode = body[path[0]]
    i = 1
    while i < len(path):
        step = path[i]
        if step in ("body", "orelse"):
            if step == "body":
                stmts = node.body.body
            elif isinstance(node.orelse, cst.If):
                stmts = [node.orelse]
            else:
                stmts = node.orelse.body.body
            node = stmts[path[i + 1]]
            i += 2
            continue
        if step == "await":
            node = node.body[0].value
        elif step == "base":
            func = node.expression.func
            node = func.value if isinstance(func, cst.Attribute) else func
        elif step == "func":
            node = node.expression.func
        elif step == "iter":
            node = node.iter
        elif isinstance(step, tuple) and step[0] == "arg":
            node = node.expression.args[step[1]].value
        else:
            raise ValueError(f"unknown step {step!r}")
        i += 1
    return node


class _Withs(cst.CSTVisitor):
    def __init__(self, positions: Positions) -> None:
        self.positions = positions
        self.by_line: dict[int, cst.With] = {}

    def visit_With(self, node: cst.With) -> None:
        self.by_line[self.positions.line(node)] = node


class _Swap(cst.CSTTransformer):
    def __init__(self, names: dict[cst.CSTNode, cst.CSTNode]) -> None:
        self.names = names

    def on_leave(self, original_node, updated_node):
        return self.names.get(original_node, updated_node)


def apply(module: cst.Module, plans: list[BlockPlan]) -> cst.Module:
    if not plans:
        return module
    finder = _Withs(Positions(module))
    module.visit(finder)
    replace: dict[cst.CSTNode, cst.CSTNode] = {}
    edits: dict[cst.With, tuple[BlockPlan, list, list, list]] = {}
    for plan in plans:
        node = finder.by_line[plan.with_line]
        body = node.body.body
        captured: dict[cst.CSTNode, cst.CSTNode] = {}
        assigns = []
        for cap in plan.captures:
            value = resolve(body, cap.refs[0])
            if cap.snapshot:
                value = cst.Call(cst.Name("list"), [cst.Arg(value)])
            assigns.append(cst.SimpleStatementLine([cst.Assign([cst.AssignTarget(cst.Name(cap.name))], value)]))
            for ref in cap.refs:
                captured[resolve(body, ref)] = cst.Name(cap.name)
        replace.update(captured)
        pre, post = [], []
        if plan.collect is not None:
            c = plan.collect
            line = resolve(body, c.await_path)
            await_node = line.body[0].value
            values = [resolve(body, p) for p, _ in c.elements]
            appended = (
                values[0] if len(values) == 1
                else cst.Tuple([cst.Element(v) for v in values]) if values else cst.Name("None")
            )
            append = cst.Call(cst.Attribute(cst.Name(c.list_name), cst.Name("append")), [cst.Arg(appended)])
            replace[line] = line.with_changes(body=[line.body[0].with_changes(value=append)])
            names = {v: cst.Name(n) for v, (_, n) in zip(values, c.elements)}
            call = await_node.visit(_Swap({**captured, **names}))
            targets = ", ".join(n for _, n in c.elements) or "_"
            loop = cst.parse_statement(f"for {targets} in {c.list_name}:\n    {module.code_for_node(call)}\n")
            post.append(loop.with_changes(body=loop.body.with_changes(indent=None)))  # the module's indentation
            pre.append(cst.parse_statement(f"{c.list_name} = []\n"))
        edits[node] = (plan, assigns, pre, post)
    return module.visit(_Apply(replace, edits))


class _Apply(cst.CSTTransformer):
    def __init__(self, replace, edits) -> None:
        super().__init__()
        self.replace = replace
        self.edits = edits

    def on_leave(self, original_node, updated_node):
        if original_node in self.replace:
            return self.replace[original_node]
        if isinstance(original_node, cst.With) and original_node in self.edits:
            return self._block(updated_node, *self.edits[original_node])
        return updated_node

    def _block(self, updated: cst.With, plan: BlockPlan, assigns, pre, post):
        body = list(updated.body.body)
        kept, moved = body[: plan.move_from], body[plan.move_from :]
        new_with = updated.with_changes(body=updated.body.with_changes(body=[*kept, *assigns]))
        if pre:
            lines = list(new_with.leading_lines)
            blank = 0
            while blank < len(lines) and lines[blank].comment is None:
                blank += 1
            pre[0] = pre[0].with_changes(leading_lines=lines[:blank])
            new_with = new_with.with_changes(leading_lines=lines[blank:])
        return cst.FlattenSentinel([*pre, new_with, *post, *moved])
