"""Rewriting: apply a plan the planner has already offered to `ctx.fix`, and nothing else.

Registrations follow their spawn on its own line (or after a `;` on a one-line body), a function's
cancel guard wraps everything from its first guarded spawn to the end of the body, a close method
cancels its tasks first thing after its docstring, and the module-level task set goes after the imports.
"""

from __future__ import annotations

import libcst as cst

from .._shared import add_import, is_docstring
from .planning import TASK_SET, Plan, Registration

TASK_SET_COMMENT = "# The event loop keeps only weak references to tasks: keep them until done."


def rewrite(module: cst.Module, plan: Plan) -> cst.Module:
    new = module.visit(_Rewriter(plan))
    for source, name in plan.imports:
        new = add_import(new, source, name)
    if plan.define_task_set:
        new = _define_task_set(new, plan)
    return new


def _statement(code: str) -> cst.BaseSmallStatement:
    return cst.parse_statement(code + "\n").body[0]  # type: ignore[attr-defined,return-value]


class _Rewriter(cst.CSTTransformer):
    def __init__(self, plan: Plan) -> None:
        super().__init__()
        self.plan = plan
        self.lines = {reg.line for regs in plan.registrations.values() for reg in regs}

    def _pieces(self, original, updated) -> list[list[cst.BaseSmallStatement]]:
        """The line's statements in runs: a bare spawn named, each spawn's run ended by its registrations
        (each a run of its own)."""
        pieces: list[list[cst.BaseSmallStatement]] = []
        current: list[cst.BaseSmallStatement] = []
        for orig_small, new_small in zip(original.body, updated.body):
            regs: list[Registration] = self.plan.registrations.get(orig_small, [])
            name = next((r.name for r in regs if r.name), None)
            if name is not None and isinstance(new_small, cst.Expr):
                new_small = cst.Assign(
                    targets=[cst.AssignTarget(cst.Name(name))], value=new_small.value, semicolon=new_small.semicolon
                )
            current.append(new_small)
            if regs:
                pieces.append(current)
                pieces.extend([_statement(code)] for reg in regs for code in reg.statements)
                current = []
        if current:
            pieces.append(current)
        return pieces

    def leave_SimpleStatementLine(self, original_node, updated_node):
        wrap = self.plan.wraps.get(original_node)
        if wrap is not None:
            body = cst.IndentedBlock(
                body=[cst.SimpleStatementLine(body=[_statement(code)]) for code in wrap.statements],
                header=updated_node.trailing_whitespace,
            )
            if wrap.after is None:  # `for task in [spawn(...) for ...]:` in place of the thrown-away list
                return cst.For(
                    target=cst.Name(wrap.var), iter=updated_node.body[0].value, body=body,
                    leading_lines=updated_node.leading_lines,
                )
            loop = cst.For(target=cst.Name(wrap.var), iter=cst.Name(wrap.after), body=body.with_changes(
                header=cst.TrailingWhitespace()))
            return cst.FlattenSentinel([updated_node, loop])
        if original_node not in self.lines:
            return updated_node
        # the line is split after each spawn: its registrations follow on lines of their own, and the
        # statements after it keep their order on a line of their own (the comment stays on the first)
        pieces = self._pieces(original_node, updated_node)
        first = updated_node.with_changes(body=_fix_semicolons(pieces[0]))
        return cst.FlattenSentinel([first, *(cst.SimpleStatementLine(body=_fix_semicolons(p)) for p in pieces[1:])])

    def leave_SimpleStatementSuite(self, original_node, updated_node):
        if original_node not in self.lines:
            return updated_node
        return updated_node.with_changes(body=_fix_semicolons([s for p in self._pieces(original_node, updated_node) for s in p]))

    def leave_FunctionDef(self, original_node, updated_node):
        guard = self.plan.guards.get(original_node)
        if guard is not None and guard.start >= 0:
            body = list(updated_node.body.body)
            first = body[guard.start]
            guarded = cst.IndentedBlock(body=[first.with_changes(leading_lines=()), *body[guard.start + 1 :]])
            if guard.form == TASK_SET:
                init = cst.parse_statement(f"{guard.guard_name} = set()\n").with_changes(leading_lines=first.leading_lines)
                template = cst.parse_statement(
                    f"try:\n    pass\nfinally:\n    for {guard.loop_var} in {guard.guard_name}:\n"
                    f"        {guard.loop_var}.cancel()\n"
                )
                new = [init, template.with_changes(body=guarded)]  # type: ignore[union-attr]
            else:
                item = cst.WithItem(
                    item=cst.parse_expression(self.plan.guard_expr), asname=cst.AsName(name=cst.Name(guard.guard_name))
                )
                new = [cst.With(items=[item], body=guarded, leading_lines=first.leading_lines)]
            updated_node = updated_node.with_changes(body=updated_node.body.with_changes(body=[*body[: guard.start], *new]))
        attrs = self.plan.closes.get(original_node)
        if attrs:
            # the close method cancels the tasks its class stores on self, first thing (after a docstring)
            body = list(updated_node.body.body)
            at = 1 if body and is_docstring(body[0]) else 0
            cancels = [cst.parse_statement(f"if self.{a} is not None:\n    self.{a}.cancel()\n") for a in attrs]
            updated_node = updated_node.with_changes(body=updated_node.body.with_changes(body=[*body[:at], *cancels, *body[at:]]))
        return updated_node


def _fix_semicolons(smalls: list[cst.BaseSmallStatement]) -> list[cst.BaseSmallStatement]:
    """Every statement but the last is followed by `; `; the last has none."""
    out = []
    for i, s in enumerate(smalls):
        if i < len(smalls) - 1:
            if not isinstance(s.semicolon, cst.Semicolon):
                s = s.with_changes(semicolon=cst.Semicolon(whitespace_after=cst.SimpleWhitespace(" ")))
        else:
            s = s.with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        out.append(s)
    return out


def _is_import_line(stmt: cst.CSTNode) -> bool:
    return isinstance(stmt, cst.SimpleStatementLine) and any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body)


def _define_task_set(module: cst.Module, plan: Plan) -> cst.Module:
    """`_background_tasks = set()` after the imports at the top of the file (after its docstring if none)."""
    body = list(module.body)
    at = 1 if body and is_docstring(body[0]) else 0
    for i, stmt in enumerate(body):
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            break
        if _is_import_line(stmt):
            at = i + 1
    annotation = f": {plan.task_set_annotation}" if plan.task_set_annotation else ""
    definition = cst.parse_statement(f"{plan.task_set}{annotation} = set()\n")
    blank = [cst.EmptyLine()] if at > 0 else []
    definition = definition.with_changes(
        leading_lines=[*blank, cst.EmptyLine(indent=False, comment=cst.Comment(TASK_SET_COMMENT))]
    )
    if at < len(body) and not body[at].leading_lines and at > 0:  # type: ignore[attr-defined]
        body[at] = body[at].with_changes(leading_lines=[cst.EmptyLine()])  # type: ignore[attr-defined]
    body.insert(at, definition)
    return module.with_changes(body=body)
