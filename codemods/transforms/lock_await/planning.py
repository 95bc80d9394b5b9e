"""What may move out of one lock block, and how: the plan the rewrite carries out, in plain data.

Only the seed's shape moves. The block's last statements are notifications (`await
self._observer.on_evict(...)`, a `for` loop over listeners that only notifies them, an `if`/`try` around
notifications) and statements on local variables; they move after the block in the same order, so an
exception still stops what followed it. A notification ending an `if` that changed state (the eviction
of `insert`) is collected under the lock and run after it. What a moved call reads from shared state
once other tasks can run (after an earlier moved await, or at all under a threading lock) is captured
under the lock first: the callee and every argument alike.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from typing import Optional

from .._shared import fresh_name, identifier_from, names_in
from . import reasons
from .analysis import (
    BlockView, call_args, callee_base, changes_state, bookkeeping, iter_call, local_statement, notification,
    purpose,
)
from .facts import UNSURE_KINDS, LockBlock, ModuleFacts, last_name, text

Path = tuple  # steps from the block's body to a node: statement indexes, "body"/"orelse"/..., "await", "base", ("arg", k), "iter"


@dataclass
class Capture:
    name: str
    refs: list[Path]  # every occurrence in the moved statements (all replaced by the name)
    snapshot: bool = False  # `list(...)` of a loop's iterable


@dataclass
class Collect:
    """`if ...: <changes>; await f(a, b)` becomes `pending.append((a, b))`; the calls run after the block."""

    stmt: int
    await_path: Path
    list_name: str
    elements: list[tuple[Path, str]]  # appended expression, its name in the loop after the block


@dataclass
class MovedAwait:
    line: int
    col: int  # 1-based, in characters
    end: tuple[int, int]
    code: str
    what: str  # the observer / listener / callback it notifies


@dataclass
class BlockPlan:
    with_line: int
    header: str
    move_from: int  # body[move_from:] moves after the block
    captures: list[Capture] = field(default_factory=list)
    collect: Optional[Collect] = None
    moved: list[MovedAwait] = field(default_factory=list)


@dataclass
class Outcome:
    plan: Optional[BlockPlan]
    skips: list[tuple[ast.AST, str]]  # sites that stay, with the reason
    pinned: list[ast.AST] = field(default_factory=list)  # suppressed by `# codemod: ignore`: neither moved nor skipped


_MOVABLE = ("notify", "local", "loop", "if", "try")


@dataclass
class _Kind:
    kind: Optional[str]
    reason: Optional[str] = None  # why a statement holding a notification cannot move
    awaits: list[ast.Await] = field(default_factory=list)


class BlockPlanner:
    def __init__(self, facts: ModuleFacts, block: LockBlock, taken: set[str], pinned: set[int], column) -> None:
        self.facts = facts
        self.block = block
        self.view = BlockView(facts, block)
        self.names = self.view.names
        self.body = block.node.body
        self.taken = set(taken)
        self.pinned = pinned  # ids of awaits a suppression comment keeps
        self.column = column  # (line, byte offset) -> 1-based character column

    # -- entry -----------------------------------------------------------------------------------
    def run(self) -> Outcome:
        block, view = self.block, self.view
        sites = block.sites
        lock = block.lock
        if lock is None:
            return Outcome(None, [(s, reasons.several_managers()) for s in sites])
        if self.body[0].lineno == block.node.lineno or self._joined(block.node):
            return Outcome(None, [(s, reasons.one_line(view.header)) for s in sites])
        for sub in ast.walk(block.node):
            if (
                isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute) and sub.func.attr in ("release", "acquire")
                and text(sub.func.value) == lock.code
            ):
                return Outcome(None, [(s, reasons.releases_inside(view.header, lock.code)) for s in sites])
        structural = {id(s): view.structural(s) for s in sites}
        kinds = [self.classify(i, s, structural) for i, s in enumerate(self.body)]
        plan, notes = self.plan(kinds)
        moved_ids: set[int] = set()
        if plan is not None:
            moved_ids = self._moved_ids(plan, kinds)
            why_not = purpose(self.facts, lock, block.fn) or self._serializes(plan)
            if why_not:
                notes.update({i: why_not for i in moved_ids})
                plan, moved_ids = None, set()
        skips, pinned = [], []
        for site in sites:
            if id(site) in moved_ids:
                continue
            if id(site) in self.pinned:
                pinned.append(site)
                continue
            reason = structural.get(id(site)) or notes.get(id(site))
            if reason is None:
                reason = self._notification_reason(site) or view.why_stays(site)
            skips.append((site, reason))
        if plan is not None:
            plan.moved = [self._moved(a) for a in self._awaits_in_order(plan, kinds)]
        return Outcome(plan, skips, pinned)

    def _joined(self, node: ast.AST) -> bool:
        """Statements joined with `;`, or a compound statement written on one line, anywhere in the block."""
        for sub in ast.walk(node):
            for name in ("body", "orelse", "finalbody"):
                stmts = getattr(sub, name, None)
                if not isinstance(stmts, list) or not stmts or not isinstance(stmts[0], ast.stmt):
                    continue
                lines = [s.lineno for s in stmts]
                if len(set(lines)) != len(lines):
                    return True
                if sub is not node and isinstance(sub, ast.stmt) and name == "body" and stmts[0].lineno == sub.lineno:
                    return True
        return False

    # -- kinds of statements -----------------------------------------------------------------------
    def notify_await(self, stmt: ast.stmt, structural: dict, allow_try: bool = False) -> Optional[ast.Await]:
        """`await <notification>(...)` alone on a line, with nothing else that suspends in it."""
        call = iter_call(stmt)
        if call is None or id(stmt.value) in self.pinned:
            return None
        reason = structural.get(id(stmt.value))
        if reason and not (allow_try and reason == reasons.in_try(self.view.header)):
            return None
        if any(isinstance(n, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr, ast.Lambda)) for a in call_args(call) for n in ast.walk(a)):
            return None
        if isinstance(call.func, ast.Call) or notification(call, self.names) is None:
            return None
        return stmt.value

    def classify(self, i: int, stmt: ast.stmt, structural: dict) -> _Kind:
        names = self.names
        aw = self.notify_await(stmt, structural)
        if aw is not None:
            return _Kind("notify", awaits=[aw])
        if local_statement(stmt, names):
            return _Kind("local")
        sites_here = [s for s in self.block.sites if self.view.statement_of(s) is stmt or stmt in self.view.ancestors(s)]
        if not sites_here:
            return _Kind(None)
        if isinstance(stmt, ast.For) and not stmt.orelse:
            return self._loop(stmt, sites_here, structural)
        if isinstance(stmt, ast.If):
            return self._if(i, stmt, sites_here, structural)
        if isinstance(stmt, ast.Try) and not stmt.finalbody and not stmt.orelse:
            awaits = [self.notify_await(s, structural, allow_try=True) for s in stmt.body]
            handlers_local = all(
                all(local_statement(s, names) or isinstance(s, ast.Raise) and s.exc is None for s in h.body)
                and (h.type is None or names.local_only(h.type) or not names.reads_shared(h.type))
                for h in stmt.handlers
            )
            if (
                all(a is not None or local_statement(s, names) for a, s in zip(awaits, stmt.body))
                and any(awaits) and handlers_local and len(sites_here) == len([a for a in awaits if a])
            ):
                return _Kind("try", awaits=[a for a in awaits if a])
        return _Kind(None)

    def _loop(self, stmt: ast.For, sites_here: list, structural: dict) -> _Kind:
        names = self.names
        awaits = [self.notify_await(s, structural) for s in stmt.body]
        notifies = [a for a in awaits if a is not None]
        if not notifies or len(notifies) != len(sites_here) or self._sites_in(stmt.iter):
            return _Kind(None)
        others = [s for a, s in zip(awaits, stmt.body) if a is None]
        if not all(local_statement(s, names) for s in others):
            state = next((s for s in others if not local_statement(s, names)), others[0])
            return _Kind(None, reasons.collected_loop(stmt.lineno, state.lineno))
        bound = {n.id for n in ast.walk(stmt.target) if isinstance(n, ast.Name)}
        for s in stmt.body:
            for t in ast.walk(s):
                if isinstance(t, ast.Name) and isinstance(t.ctx, ast.Store):
                    bound.add(t.id)
        for a in notifies:
            call = a.value
            for expr in (callee_base(call), *call_args(call)):
                reads = {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}
                if reads & bound and (names.reads_shared(expr) or names.has_call(expr)):
                    return _Kind(None, reasons.loop_reads_state(self.facts.show(expr, 40)))
        return _Kind("loop", awaits=notifies)

    def _if(self, i: int, stmt: ast.If, sites_here: list, structural: dict) -> _Kind:
        names = self.names
        if self._sites_in(stmt.test):
            return _Kind(None)
        branches = [stmt.body, stmt.orelse]
        awaits = [[self.notify_await(s, structural) for s in b] for b in branches]
        notifies = [a for b in awaits for a in b if a is not None]
        whole = (
            names.local_only(stmt.test) and notifies and len(notifies) == len(sites_here)
            and all(a is not None or local_statement(s, names) for b, aw in zip(branches, awaits) for a, s in zip(aw, b))
        )
        if whole:
            return _Kind("if", awaits=notifies)
        last = stmt.body[-1]
        aw = self.notify_await(last, structural)
        if aw is not None and len(sites_here) == 1 and sites_here[0] is aw:
            return _Kind("collect", awaits=[aw])
        return _Kind(None)

    def _sites_in(self, node: ast.AST) -> bool:
        return any(isinstance(n, (ast.Await, ast.comprehension)) and getattr(n, "is_async", True) for n in ast.walk(node))

    # -- the plan ----------------------------------------------------------------------------------
    def plan(self, kinds: list[_Kind]) -> tuple[Optional[BlockPlan], dict[int, str]]:
        """Move the block's tail of notifications and local statements; collect one notification that ends
        an `if` just before it. Notifications elsewhere get the reason they stay (in ``notes``)."""
        notes: dict[int, str] = {}
        while True:
            n = len(kinds)
            start = n
            while start > 0 and kinds[start - 1].kind in _MOVABLE:
                start -= 1
            collect_at = start - 1 if start > 0 and kinds[start - 1].kind == "collect" else None
            move_from = start
            if collect_at is None:
                while move_from < n and kinds[move_from].kind == "local":
                    move_from += 1
            if move_from == n and collect_at is None:
                plan = None
            else:
                plan = BlockPlan(self.block.node.lineno, self.view.header, move_from)
                failed = self._captures(plan, kinds, collect_at)
                if failed is not None:
                    index, reason = failed
                    for a in kinds[index].awaits:
                        notes[id(a)] = reason
                    kinds[index] = _Kind(None, reason)
                    continue
            break
        self._note_stuck(kinds, notes, plan)
        return plan, notes

    def _note_stuck(self, kinds: list[_Kind], notes: dict[int, str], plan: Optional[BlockPlan]) -> None:
        """Reasons for the notifications that stay: an await whose failure must stop what follows it."""
        moving = self._moved_ids(plan, kinds) if plan else set()
        for i, stmt in enumerate(self.body):
            k = kinds[i]
            for aw in k.awaits:
                if id(aw) not in moving and id(aw) not in notes:
                    notes[id(aw)] = k.reason or self._guard_reason(aw, i, kinds)
            if k.kind is None and k.reason:
                for site in self.block.sites:
                    if stmt in self.view.ancestors(site) and id(site) not in notes:
                        notes[id(site)] = k.reason

    def _guard_reason(self, aw: ast.Await, index: int, kinds: list[_Kind]) -> str:
        stmt = self.view.statement_of(aw)
        callee = text(aw.value.func) if isinstance(aw.value, ast.Call) else None
        after = self.view.following(stmt)
        for s in after:
            targets = s.targets if isinstance(s, ast.Assign) else [s.target] if isinstance(s, (ast.AnnAssign, ast.AugAssign)) else []
            if callee and any(text(t) == callee for t in targets):
                return reasons.callee_reassigned(callee, s.lineno)
        following = next((s for s in after if not local_statement(s, self.names)), None)
        return reasons.guards(following.lineno if following is not None else stmt.lineno)

    def _notification_reason(self, site: ast.AST) -> Optional[str]:
        """A notification nested where no shape applies (an `if` it does not end...)."""
        if not isinstance(site, ast.Await) or not isinstance(site.value, ast.Call):
            return None
        if notification(site.value, self.names) is None:
            return None
        stmt = self.view.statement_of(site)
        if not (isinstance(stmt, ast.Expr) and stmt.value is site):
            return None
        after = [s for s in self.view.following(stmt) if not local_statement(s, self.names)]
        for a in self.view.ancestors(site):
            if isinstance(a, ast.If) and not self.names.local_only(a.test) and not after:
                return reasons.condition_not_local(self.facts.show(a.test, 40))
        return self._guard_reason(site, -1, [])

    def _serializes(self, plan: BlockPlan) -> Optional[str]:
        """The lock must still protect something besides the awaits (bookkeeping such as `self.count += 1`
        does not count: a lock held around awaits and a counter serializes the awaits)."""
        kept = self.body[: plan.move_from]
        if plan.collect is not None:
            branch = self.body[plan.collect.stmt]
            kept = [s for s in kept if s is not branch] + list(branch.body[:-1]) + list(branch.orelse)
        if any(changes_state(s, self.names) for s in kept if not bookkeeping(s)):
            return None
        noted = next((s.lineno for s in kept if bookkeeping(s) and hasattr(s, "lineno")), None)
        return reasons.serializes(self.view.header, noted)

    def _moved_ids(self, plan: BlockPlan, kinds: list[_Kind]) -> set[int]:
        ids = {id(a) for k in kinds[plan.move_from :] for a in k.awaits}
        if plan.collect is not None:
            ids |= {id(a) for a in kinds[plan.collect.stmt].awaits}
        return ids

    def _awaits_in_order(self, plan: BlockPlan, kinds: list[_Kind]) -> list[ast.Await]:
        out = list(kinds[plan.collect.stmt].awaits) if plan.collect is not None else []
        for k in kinds[plan.move_from :]:
            out.extend(k.awaits)
        return out

    def _moved(self, aw: ast.Await) -> MovedAwait:
        return MovedAwait(
            aw.lineno, self.column(aw.lineno, aw.col_offset), (aw.end_lineno, self.column(aw.end_lineno, aw.end_col_offset)),
            self.facts.show(aw.value), notification(aw.value, self.names) or "the notification",
        )

    # -- captures and names ------------------------------------------------------------------------
    def _captures(self, plan: BlockPlan, kinds: list[_Kind], collect_at: Optional[int]) -> Optional[tuple[int, str]]:
        """Fill in the captures and the collection; (statement index, reason) when one cannot be made."""
        names = self.names
        self.taken_now = set(self.taken)
        by_code: dict[str, Capture] = {}
        quiet = self.block.lock.kind not in UNSURE_KINDS  # nothing runs between the release and the first await
        bound_after: set[str] = set()  # names the moved statements bind (a capture cannot read them)

        def capture(expr: ast.expr, ref: Path, index: int, snapshot: bool = False) -> Optional[tuple[int, str]]:
            reads = {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}
            if reads & bound_after:
                return index, reasons.loop_reads_state(self.facts.show(expr, 40))
            key = ("list:" if snapshot else "") + text(expr)
            if key in by_code:
                by_code[key].refs.append(ref)
                return None
            name = fresh_name(*_candidates(expr), taken=self.taken_now)
            by_code[key] = Capture(name, [ref], snapshot)
            plan.captures.append(by_code[key])
            return None

        def needs(expr: ast.expr) -> bool:
            return not isinstance(expr, ast.Constant) and (names.reads_shared(expr) or names.has_call(expr))

        if collect_at is not None:
            problem = self._collect(plan, collect_at, kinds[collect_at].awaits[0], quiet, capture, needs)
            if problem:
                return problem
            quiet = False
        for index in range(plan.move_from, len(self.body)):
            stmt = self.body[index]
            kind = kinds[index].kind
            if kind == "local":
                bound_after |= {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
                continue
            if kind == "loop":
                if not self._fresh_iterable(stmt.iter):
                    problem = capture(stmt.iter, (index, "iter"), index, snapshot=True)
                    if problem:
                        return problem
                quiet = False
                loop_bound = {n.id for n in ast.walk(stmt.target) if isinstance(n, ast.Name)}
                for j, s in enumerate(stmt.body):
                    loop_bound |= {n.id for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
                for j, s in enumerate(stmt.body):
                    call = iter_call(s)
                    if call is None:
                        continue
                    for ref, expr in self._exprs(call, (index, "body", j)):
                        reads = {n.id for n in ast.walk(expr) if isinstance(n, ast.Name)}
                        if not reads & loop_bound and needs(expr):
                            problem = capture(expr, ref, index)
                            if problem:
                                return problem
                bound_after |= loop_bound
                continue
            # notify, if, try: awaits in order
            for ref_base, s in self._await_statements(index, stmt, kind):
                call = iter_call(s)
                if call is not None:
                    if not quiet:
                        for ref, expr in self._exprs(call, ref_base):
                            if needs(expr):
                                problem = capture(expr, ref, index)
                                if problem:
                                    return problem
                    quiet = False
                else:
                    bound_after |= {n.id for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        self.taken = self.taken_now
        return None

    def _await_statements(self, index: int, stmt: ast.stmt, kind: str):
        if kind == "notify":
            yield (index,), stmt
        elif kind == "if":
            for j, s in enumerate(stmt.body):
                yield (index, "body", j), s
            for j, s in enumerate(stmt.orelse):
                yield (index, "orelse", j), s
        elif kind == "try":
            for j, s in enumerate(stmt.body):
                yield (index, "body", j), s

    def _exprs(self, call: ast.Call, ref: Path):
        """The callee and each argument: what a moved call evaluates again."""
        func = call.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == self.names.self_name:
            yield (*ref, "await", "func"), func  # a stored callback: `self._on_evict` itself
        else:
            yield (*ref, "await", "base"), callee_base(call)
        for k, value in enumerate(call_args(call)):
            yield (*ref, "await", ("arg", k)), value

    def _fresh_iterable(self, expr: ast.expr) -> bool:
        """A local list the block built itself (a comprehension, a literal, `list(...)`): nobody else has it."""
        if not isinstance(expr, ast.Name) or not self.names.is_local(expr.id):
            return False
        sources = self.names.sources.get(expr.id, [])
        fresh = (ast.ListComp, ast.SetComp, ast.DictComp, ast.List, ast.Tuple, ast.Set, ast.Dict)
        return bool(sources) and all(
            isinstance(s, fresh) or (isinstance(s, ast.Call) and isinstance(s.func, ast.Name) and s.func.id in ("list", "sorted", "tuple", "set", "dict"))
            for s in sources
        )

    def _collect(self, plan: BlockPlan, index: int, aw: ast.Await, quiet: bool, capture, needs):
        branch = self.body[index]
        call = aw.value
        in_branch = {n.id for s in branch.body for n in ast.walk(s) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        outside = self._names_outside()
        elements: list[tuple[Path, str]] = []
        await_path = (index, "body", len(branch.body) - 1)
        (base_ref, base), *_ = self._exprs(call, await_path)
        base_reads = {n.id for n in ast.walk(base) if isinstance(n, ast.Name)}
        if base_reads & in_branch:
            elements.append((base_ref, self._loop_name(base, None, outside)))
        elif not quiet and needs(base):
            problem = capture(base, base_ref, index)
            if problem:
                return problem
        params = self.facts.params.get(last_name(call.func) or "", ())
        keywords = {id(kw.value): kw.arg for kw in call.keywords if kw.arg}
        positional = [a for a in call.args]
        for k, value in enumerate(call_args(call)):
            if isinstance(value, ast.Constant):
                continue
            param = keywords.get(id(value))
            if param is None and value in positional:
                p = positional.index(value)
                if not any(isinstance(a, ast.Starred) for a in positional[: p + 1]) and p < len(params):
                    param = params[p]
            elements.append(((*await_path, "await", ("arg", k)), self._loop_name(value, param, outside)))
        stem = _strip_prefix(last_name(call.func) or "calls")
        plan.collect = Collect(index, await_path, fresh_name(f"pending_{stem}", taken=self.taken_now), elements)
        return None

    def _loop_name(self, value: ast.expr, param: Optional[str], outside: set[str]) -> str:
        if isinstance(value, ast.Name) and value.id not in outside and self.names.is_local(value.id) and not self._in_loop():
            self.taken_now.add(value.id)
            return value.id  # only used inside the block: the loop after it may reuse the name
        if isinstance(value, ast.Name):
            return fresh_name(value.id, f"old_{value.id}", taken=self.taken_now)
        return fresh_name(param, *_candidates(value), taken=self.taken_now)

    def _names_outside(self) -> set[str]:
        fn = self.block.fn.node
        inside = [id(n) for n in ast.walk(self.block.node) if isinstance(n, ast.Name)]
        counts: dict[str, int] = {}
        for n in ast.walk(fn):
            if isinstance(n, ast.Name) and id(n) not in set(inside):
                counts[n.id] = counts.get(n.id, 0) + 1
        args = fn.args
        params = {a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)}
        return set(counts) | params

    def _in_loop(self) -> bool:
        node = self.block.node
        for sub in ast.walk(self.block.fn.node):
            if isinstance(sub, (ast.For, ast.While, ast.AsyncFor)) and any(n is node for n in ast.walk(sub)):
                return True
        return False


def _strip_prefix(name: str) -> str:
    name = name.strip("_")
    for prefix in ("on_", "notify_", "handle_"):
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix):]
    return name


def _singular(name: str) -> str:
    return name[:-1] if name.endswith("s") and not name.endswith("ss") and len(name) > 3 else name


def _candidates(expr: ast.expr) -> list[Optional[str]]:
    """Readable names for a captured value, best first: `self._observer` -> observer, `len(items)` -> items_count."""
    if isinstance(expr, ast.Attribute):
        out = [identifier_from(expr.attr)]
        if isinstance(expr.value, ast.Name) and expr.value.id not in ("self", "cls"):
            out.append(identifier_from(f"{expr.value.id}_{expr.attr}"))
        return out
    if isinstance(expr, ast.Name):
        return [identifier_from(expr.id), identifier_from(f"current_{expr.id}")]
    if isinstance(expr, ast.Subscript):
        inner = identifier_from(last_name(expr.value))
        if inner and _singular(inner) != inner:
            return [_singular(inner), f"{inner}_item"]  # callbacks[key] -> callback
        return [f"{inner}_item" if inner else "item"]
    if isinstance(expr, ast.Call):
        fname = last_name(expr.func)
        if fname in ("list", "tuple", "sorted", "set") and expr.args:
            return _candidates(expr.args[0])
        if isinstance(expr.func, ast.Attribute) and fname in ("get", "pop", "setdefault", "values", "items", "keys", "copy"):
            inner = identifier_from(last_name(expr.func.value))
            return [_singular(inner) if inner and fname in ("get", "pop", "setdefault") else inner]
        if fname == "len" and expr.args:
            inner = identifier_from(last_name(expr.args[0]))
            return [f"{inner}_count" if inner else "count"]
        if fname and fname.startswith("get_") and len(fname) > 4:
            return [identifier_from(fname[4:])]
        return [identifier_from(fname)]
    if isinstance(expr, ast.BinOp):
        return [*_candidates(expr.left), "total"]
    return ["value"]


def taken_names(facts: ModuleFacts, block: LockBlock) -> set[str]:
    """Names a new local of this function must not shadow or collide with."""
    return names_in(block.fn.outermost().node) | facts.module_names
