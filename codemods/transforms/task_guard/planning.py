"""Planning: one decision per spawn, offered to `ctx.fix` before anything is rewritten.

For each spawn nobody owns, `lifetime.judge` says what the task is for; this module turns that into
plans the rewriter applies (a cancel guard per function, keep-alive registrations, a cancel in the class's
close method), chooses the names, and gives every fix its safety, its reason and its unit: the changes
that only make sense together (a function's guard and each of its registrations; an added import or
task set and every change that needs it) share one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import libcst as cst

from ...model import SAFE, UNSAFE
from .._shared import fresh_name, import_style, module_alias, names_in
from ..base import RewriteContext
from . import reasons
from .facts import BARE, CALLBACK_METHOD, COMPREHENSION, GENERATOR, LOCAL, OWNED, SELF, UNKNOWN
from .flow import in_loop, top_level_index
from .lifetime import CANCEL, KEEP, SKIP, STOP, Verdict, judge
from .objects import plan_self_task
from .ownership import Tree, assign_target, dotted, first_arg

EXIT_STACK_QUALNAMES = frozenset({"contextlib.ExitStack", "contextlib.AsyncExitStack"})
TASK_SET_NAMES = ("_background_tasks", "background_tasks")

# The new guard of a function, in one of three forms:
STACK = "stack"  # with contextlib.ExitStack() as stack: ... stack.callback(task.cancel)
TASK_SET = "set"  # tasks = set(); try: ... tasks.add(task); task.add_done_callback(tasks.discard)
#                   finally: for task in tasks: task.cancel()        (for spawns in loops)
CUSTOM = "custom"  # with task_guard() as tasks: ... tasks.add(task)   (the `guard` option)


@dataclass
class Registration:
    """Statements added right after a spawn's statement; `name` is given to a bare spawn first."""

    small: cst.BaseSmallStatement
    line: cst.SimpleStatementLine | cst.SimpleStatementSuite
    name: str | None
    statements: list[str]


@dataclass
class Wrap:
    """Keep the tasks of a comprehension: `for var in <comprehension>:` around the statement, or
    `for var in <local>:` after it."""

    line: cst.SimpleStatementLine
    var: str
    statements: list[str]
    after: str | None = None  # the local the comprehension is assigned to


@dataclass
class Guarded:
    """One spawn under a cancel guard."""

    call: cst.Call
    small: cst.BaseSmallStatement
    line: cst.SimpleStatementLine | cst.SimpleStatementSuite
    verdict: Verdict
    bare: bool
    var: str | None  # the local it is in, or None for a bare spawn (named when the guard needs a name)
    existing: str | None  # the `as` name of a guard the function already has, or None: the new one
    accepted: bool = False


@dataclass
class FunctionGuard:
    func: cst.FunctionDef
    spawns: list[Guarded] = field(default_factory=list)
    start: int = -1  # index in func.body.body of the first statement the new guard wraps; -1: none
    in_loop: bool = False
    form: str = ""
    guard_name: str = ""  # the `as` name of the new guard (the set, for TASK_SET)
    loop_var: str = ""  # TASK_SET: the name the `finally` loops over the set with


@dataclass
class Plan:
    registrations: dict[cst.CSTNode, list[Registration]] = field(default_factory=dict)
    wraps: dict[cst.CSTNode, Wrap] = field(default_factory=dict)
    guards: dict[cst.FunctionDef, FunctionGuard] = field(default_factory=dict)
    closes: dict[cst.FunctionDef, list[str]] = field(default_factory=dict)
    guard_expr: str = ""
    task_set: str = ""  # the module-level set that keeps tasks alive
    define_task_set: bool = False  # it is new: define it after the imports
    task_set_annotation: str = ""
    imports: list[tuple[str, str | None]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.registrations or self.wraps or self.guards or self.closes)


@dataclass
class _Fix:
    node: cst.CSTNode
    message: str
    safety: str
    why: str
    unit: str
    commit: Callable[[], None]
    undo: Callable[[], None]
    needs: str = ""  # "import" / "task-set": the shared addition this fix needs


class Planner:
    def __init__(self, tree: Tree, ctx: RewriteContext, guard: tuple[str, str] | None) -> None:
        self.tree = tree
        self.ctx = ctx
        self.guard = guard
        self.plan = Plan()
        self.fixes: list[_Fix] = []
        self.taken: dict[cst.CSTNode, set[str]] = {}
        self.module_names: set[str] | None = None
        self._setup_guard()

    # -- entry point ---------------------------------------------------------------------------------------
    def run(self) -> Plan:
        for call in self.tree.calls:
            if self.tree.is_spawn(call):
                self.consider(call)
            else:
                receiver = self.tree.unknown_receiver(call)
                if receiver is not None and self.unowned(call):
                    self.skip(call, reasons.UNKNOWN_RECEIVER.format(receiver=receiver))
        for guard in list(self.plan.guards.values()):
            self.finish(guard)
        self.commit()
        return self.plan

    def skip(self, node: cst.CSTNode, reason: str) -> None:
        self.ctx.skip(*self.tree.positions.start(node), reason)

    def unowned(self, call: cst.Call) -> bool:
        kind = self.tree.kind(call)
        if kind == BARE:
            return True
        target = assign_target(self.tree.parent(call)) if kind == LOCAL else None
        return isinstance(target, cst.Name) and self.tree.local_uses(target, self.tree.enclosing(call)) is None

    # -- one spawn -----------------------------------------------------------------------------------------
    def consider(self, call: cst.Call) -> None:
        tree = self.tree
        kind = tree.kind(call)
        if kind == OWNED:
            return
        owner = tree.enclosing(call)
        if kind == SELF:
            plan_self_task(self, call, owner)
            return
        if kind == GENERATOR:
            self.skip(call, reasons.GENERATOR)
            return
        if kind == UNKNOWN:
            self.skip(call, reasons.UNKNOWN_USE.format(where=reasons.expression_name(type(tree.parent(call)).__name__)))
            return
        if kind == LOCAL:
            uses = tree.local_uses(assign_target(tree.parent(call)), owner)  # type: ignore[arg-type]
            if uses == OWNED:
                return
            if uses in ("global", "nonlocal"):
                self.skip(call, reasons.GLOBAL.format(kind=uses))
                return
            if uses == CALLBACK_METHOD:
                kind = CALLBACK_METHOD
        if owner is None:
            self.skip(call, reasons.MODULE)
            return
        if isinstance(owner, cst.ClassDef):
            self.skip(call, reasons.CLASS_BODY)
            return
        if owner.asynchronous is None:
            verdict = judge(tree, call, owner, kind)
            if verdict.action != SKIP:
                verdict = Verdict(KEEP, reasons.SYNC.format(func=owner.name.value))
        else:
            verdict = judge(tree, call, owner, kind)
        if verdict.action == SKIP:
            self.skip(call, verdict.text)
        elif verdict.action == KEEP:
            if verdict.skip:
                self.skip(call, verdict.skip)
            self.keep(call, kind, owner, verdict.text)
        elif verdict.action in (CANCEL, STOP):
            self.guard_spawn(call, kind, owner, verdict)

    # -- the keep-alive fix (safe) -------------------------------------------------------------------------
    def keep(self, call: cst.Call, kind: str, func: cst.FunctionDef, pattern: str) -> None:
        tree = self.tree
        tasks = self.task_set()
        if kind == COMPREHENSION:
            comp = tree.parent(call)
            holder = tree.parent(comp)  # type: ignore[arg-type]
            line = tree.parent(holder)  # type: ignore[arg-type]
            if not (
                isinstance(line, cst.SimpleStatementLine)
                and len(line.body) == 1
                and isinstance(tree.parent(line), (cst.IndentedBlock, cst.Module))
            ):
                self.skip(call, reasons.COMPREHENSION_SHAPE)
                return
            var = self.fresh(func, "task")
            target = assign_target(holder)  # type: ignore[arg-type]
            wrap = Wrap(line, var, self.keep_statements(tasks, var), dotted(target) if target is not None else None)
            self.offer(call, reasons.KEPT_COMPREHENSION.format(tasks=tasks, pattern=pattern), SAFE, reasons.KEPT_WHY,
                       "task-set", lambda: self.plan.wraps.__setitem__(line, wrap), lambda: self.plan.wraps.pop(line, None))
            return
        small, line = tree.small_of(call), tree.line_of(call)
        if kind == BARE:
            var = self.fresh(func, self.task_name(call))
            name: str | None = var
        else:
            var, name = dotted(assign_target(small)), None  # type: ignore[arg-type]
        reg = Registration(small, line, name, self.keep_statements(tasks, var))  # type: ignore[arg-type]
        self.offer(call, reasons.KEPT.format(var=var, tasks=tasks, pattern=pattern), SAFE, reasons.KEPT_WHY,
                   "task-set", lambda: self.add_registration(reg), lambda: self.drop_registration(reg))

    def add_registration(self, reg: Registration) -> None:
        self.plan.registrations.setdefault(reg.small, []).append(reg)

    def drop_registration(self, reg: Registration) -> None:
        regs = self.plan.registrations.get(reg.small, [])
        if reg in regs:
            regs.remove(reg)
        if not regs:
            self.plan.registrations.pop(reg.small, None)

    @staticmethod
    def keep_statements(tasks: str, var: str) -> list[str]:
        return [f"{tasks}.add({var})", f"{var}.add_done_callback({tasks}.discard)"]

    def task_set(self) -> str:
        """The module-level set of background tasks: the file's own (as a second run finds it), or a new one."""
        plan = self.plan
        if plan.task_set:
            return plan.task_set
        for stmt in self.tree.module.body:
            if isinstance(stmt, cst.SimpleStatementLine) and len(stmt.body) == 1:
                target = assign_target(stmt.body[0])
                value = getattr(stmt.body[0], "value", None)
                if (
                    isinstance(target, cst.Name)
                    and target.value in TASK_SET_NAMES
                    and isinstance(value, cst.Call)
                    and dotted(value.func) == "set"
                    and not value.args
                ):
                    plan.task_set = target.value
                    return plan.task_set
        plan.task_set = fresh_name(*TASK_SET_NAMES, taken=self.all_names())
        plan.define_task_set = True
        asyncio = module_alias(self.tree.module, "asyncio")
        if asyncio and self.future_annotations():
            plan.task_set_annotation = f"set[{asyncio}.Task]"
        return plan.task_set

    def future_annotations(self) -> bool:
        for stmt in self.tree.module.body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if (
                        isinstance(small, cst.ImportFrom)
                        and dotted(small.module) == "__future__"
                        and not isinstance(small.names, cst.ImportStar)
                        and any(dotted(a.name) == "annotations" for a in small.names)
                    ):
                        return True
        return False

    # -- the cancel guard (unsafe) -------------------------------------------------------------------------
    def guard_spawn(self, call: cst.Call, kind: str, func: cst.FunctionDef, verdict: Verdict) -> None:
        tree = self.tree
        if not isinstance(func.body, cst.IndentedBlock):
            self.skip(call, reasons.ONE_LINE.format(func=func.name.value))
            return
        small, line = tree.small_of(call), tree.line_of(call)
        plan = self.plan.guards.setdefault(func, FunctionGuard(func))
        top = top_level_index(tree, line, func)  # type: ignore[arg-type]
        loops = in_loop(tree, line, func)  # type: ignore[arg-type]
        existing = self.existing_guard(func.body.body[top])
        if existing is not None and self.guard is None and loops:
            existing = None  # an ExitStack would keep every task the loop starts: use a task set
        if existing is None:
            plan.in_loop = plan.in_loop or loops
        var = None if kind == BARE else dotted(assign_target(small))  # type: ignore[arg-type]
        plan.spawns.append(Guarded(call, small, line, verdict, kind == BARE, var, existing))  # type: ignore[arg-type]

    def finish(self, plan: FunctionGuard) -> None:
        """Choose the form and the names of a function's new guard, and offer each spawn's fix."""
        func = plan.func
        fname = func.name.value
        if any(g.existing is None for g in plan.spawns):
            if self.guard is not None:
                plan.form, head = CUSTOM, self.guard_head
            elif plan.in_loop:
                plan.form, head = TASK_SET, "set"
            else:
                plan.form, head = STACK, self.guard_head
            if not self.name_free(func, head):
                for g in [g for g in plan.spawns if g.existing is None]:
                    self.skip(g.call, reasons.NAME_TAKEN.format(name=head, func=fname))
                    plan.spawns.remove(g)
            elif plan.form == TASK_SET:
                plan.guard_name = self.fresh(func, "tasks", "pending_tasks")
                plan.loop_var = self.fresh(func, "task", "pending_task")
            elif plan.form == CUSTOM:
                plan.guard_name = self.fresh(func, "tasks", "guarded_tasks")
            else:
                plan.guard_name = self.fresh(func, "stack", "exit_stack")
        needs_import = bool(self.import_needed) and plan.form in (STACK, CUSTOM) and any(g.existing is None for g in plan.spawns)
        unit = "import" if needs_import else f"guard:{self.tree.positions.line(func)}"
        for g in plan.spawns:
            name = g.existing or plan.guard_name
            stack_form = (g.existing is not None and self.guard is None) or (g.existing is None and plan.form == STACK)
            if g.verdict.action == STOP and stack_form:
                statements = [f"{name}.callback({g.verdict.stop}.set)"]
                message = reasons.STOPPED.format(
                    coro=reasons.short_code(self.tree.code(first_arg(g.call).func)),  # type: ignore[union-attr]
                    func=fname, stop=g.verdict.stop,
                )
                why = reasons.STOPPED_WHY.format(func=fname, stop=g.verdict.stop)
                rename = None
            else:
                if g.var is None:
                    g.var = rename = self.fresh(func, self.task_name(g.call))
                else:
                    rename = None
                if g.existing is None and plan.form == TASK_SET:
                    statements = [f"{name}.add({g.var})", f"{g.var}.add_done_callback({name}.discard)"]
                elif self.guard is not None:
                    statements = [f"{name}.add({g.var})"]
                else:
                    statements = [f"{name}.callback({g.var}.cancel)"]
                message = reasons.CANCELLED.format(var=g.var, func=fname)
                evidence = g.verdict.text
                if g.verdict.action == STOP:
                    evidence = reasons.STOP_EVENT.format(func=fname, stop=g.verdict.stop)
                why = reasons.CANCELLED_WHY.format(func=fname, evidence=evidence)
            reg = Registration(g.small, g.line, rename, statements)

            def accept(g: Guarded = g, reg: Registration = reg) -> None:
                g.accepted = True
                self.add_registration(reg)

            def undo(g: Guarded = g, reg: Registration = reg) -> None:
                g.accepted = False
                self.drop_registration(reg)

            self.offer(g.call, message, UNSAFE, why, unit, accept, undo,
                       needs="import" if needs_import and g.existing is None else "")

    def guard_committed(self, plan: FunctionGuard) -> None:
        """After the fixes: the new guard wraps from the first accepted spawn that needs it."""
        tops = [top_level_index(self.tree, g.line, plan.func) for g in plan.spawns if g.accepted and g.existing is None]
        plan.start = min(tops) if tops else -1

    # -- fixes -----------------------------------------------------------------------------------------------
    def offer(self, node, message, safety, why, unit, commit, undo, needs: str = "") -> None:
        if unit == "task-set" and not self.plan.define_task_set:
            unit = "keep:{}:{}".format(*self.tree.positions.start(node))  # the file's own set: each fix stands alone
        needs = needs or ("task-set" if unit == "task-set" else "")
        self.fixes.append(_Fix(node, message, safety, why, f"{self.ctx.path}:task-guard:{unit}", commit, undo, needs))

    def commit(self) -> None:
        """Offer every fix to ctx.fix in source order; then the additions they share, which are made only
        if some fix that needs them was accepted (and which take those fixes back if declined)."""
        pos = self.tree.positions
        accepted: dict[str, list[_Fix]] = {"import": [], "task-set": []}
        self.fixes.sort(key=lambda f: pos.start(f.node))
        for fix in self.fixes:
            if self.ctx.fix(*pos.start(fix.node), fix.message, safety=fix.safety, why=fix.why, unit=fix.unit,
                            end=pos.end(fix.node)):
                fix.commit()
                if fix.needs:
                    accepted[fix.needs].append(fix)
        plan = self.plan
        if accepted["task-set"] and plan.define_task_set:
            message = reasons.TASK_SET_ADDED.format(tasks=plan.task_set)
            plan.define_task_set = self.shared_fix(message, SAFE, reasons.TASK_SET_WHY, accepted["task-set"])
        else:
            plan.define_task_set = False
        if accepted["import"] and self.import_needed:
            module, name = self.import_needed
            message = reasons.IMPORT_ADDED.format(code=f"from {module} import {name}" if name else f"import {module}")
            if self.shared_fix(message, UNSAFE, reasons.IMPORT_WHY, accepted["import"]):
                plan.imports.append(self.import_needed)
        for guard in list(plan.guards.values()):
            self.guard_committed(guard)
            if not any(g.accepted for g in guard.spawns):
                del plan.guards[guard.func]

    def shared_fix(self, message: str, safety: str, why: str, dependents: list[_Fix]) -> bool:
        """The addition several fixes need (an import, the task set), in their unit. Declined (a
        `# codemod: ignore` on its line), the fixes that need it are taken back."""
        unit = dependents[0].unit
        if self.ctx.fix(self.import_line(), 1, message, safety=safety, why=why, unit=unit):
            return True
        self.ctx.suppressed.extend(c for c in self.ctx.changes if c.unit == unit)
        self.ctx.changes = [c for c in self.ctx.changes if c.unit != unit]
        for fix in self.fixes:
            if fix.unit == unit:
                fix.undo()
        return False

    def import_line(self) -> int:
        """Where additions after the imports go: the line of the file's last top-level import (or 1)."""
        line = 1
        for stmt in self.tree.module.body:
            if isinstance(stmt, cst.SimpleStatementLine) and any(isinstance(s, (cst.Import, cst.ImportFrom)) for s in stmt.body):
                line = self.tree.positions.line(stmt)
            elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                break
        return line

    # -- names -----------------------------------------------------------------------------------------------
    def all_names(self) -> set[str]:
        if self.module_names is None:
            self.module_names = names_in(self.tree.module)
        return self.module_names

    def fresh(self, func: cst.CSTNode, *candidates: str) -> str:
        taken = self.taken.get(func)
        if taken is None:
            taken = self.taken[func] = names_in(func) | {self.plan.task_set} - {""}
        if self.plan.task_set:
            taken.add(self.plan.task_set)
        name = fresh_name(*candidates, taken=taken)
        self.all_names().add(name)
        return name

    @staticmethod
    def task_name(call: cst.Call) -> str:
        """The name a person gives the task of a bare spawn: `heartbeat_task` for `heartbeat(conn)`."""
        coro = first_arg(call)
        base = ""
        if isinstance(coro, cst.Call):
            base = dotted(coro.func).rsplit(".", 1)[-1]
        base = base.strip("_").lower()
        if not base or not base.isidentifier():
            return "task"
        return base if base == "task" or base.endswith("_task") else f"{base}_task"

    # -- the guard expression and its import ---------------------------------------------------------------
    def _setup_guard(self) -> None:
        """Decide, once per module, the guard expression, the name it depends on, and its import."""
        module = self.tree.module
        self.import_needed: tuple[str, str | None] | None
        if self.guard is not None:
            source, obj = self.guard
            self.guard_head, self.guard_qualname = obj, f"{source}.{obj}"
            self.plan.guard_expr = f"{obj}()"
            self.import_needed = (source, obj)
            return
        alias = module_alias(module, "contextlib")
        if alias:
            self.guard_head, self.guard_qualname = alias, "contextlib"
            self.plan.guard_expr = f"{alias}.ExitStack()"
            self.import_needed = None
        elif import_style(module, "contextlib") == "from" or (
            import_style(module, "asyncio") == "from" and not module_alias(module, "asyncio")
        ):
            self.guard_head, self.guard_qualname = "ExitStack", "contextlib.ExitStack"
            self.plan.guard_expr = "ExitStack()"
            self.import_needed = ("contextlib", "ExitStack")
        else:
            self.guard_head, self.guard_qualname = "contextlib", "contextlib"
            self.plan.guard_expr = "contextlib.ExitStack()"
            self.import_needed = ("contextlib", None)

    def name_free(self, func: cst.FunctionDef, head: str) -> bool:
        """`head` means nothing here but what the guard needs (or is not bound yet) inside `func`."""
        scope = self.tree.scopes.get(func.body.body[0])  # type: ignore[union-attr]
        if scope is None:
            return False
        bound = {q.name for q in scope.get_qualified_names_for(head)}
        wanted = "builtins.set" if head == "set" else self.guard_qualname
        return not bound or bound == {wanted}

    def existing_guard(self, stmt: cst.BaseStatement) -> str | None:
        """The `as` name of `stmt` when it is already a guard `with` of the kind we generate."""
        if not isinstance(stmt, cst.With):
            return None
        wanted = {f"{self.guard[0]}.{self.guard[1]}"} if self.guard else EXIT_STACK_QUALNAMES
        for item in stmt.items:
            if (
                isinstance(item.item, cst.Call)
                and not item.item.args
                and self.tree.qualnames(item.item.func) & wanted
                and item.asname is not None
                and isinstance(item.asname.name, cst.Name)
            ):
                return item.asname.name.value
        return None
