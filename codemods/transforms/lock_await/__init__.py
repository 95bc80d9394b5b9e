"""lock-await: move an external notification out of a lock's critical section, as the seed audit did by hand.

The package, by concern: :mod:`.facts` (what is a lock, the ast index), :mod:`.analysis` (what an
await under a lock is for, and what the lock is for), :mod:`.planning` (what moves and how, as plain
data), :mod:`.rewrite` (the LibCST edit), :mod:`.reasons` (the skip texts). This module holds the
transform and its documentation.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import Any, Optional

import libcst as cst

from codemods.transforms import register
from codemods.model import Skip
from codemods.transforms.base import UNSAFE, Plan, RewriteContext, SourceInfo, Transform

from .._shared.positions import columns, source_of
from . import reasons
from .facts import ModuleFacts, index
from .planning import BlockPlanner, taken_names
from .rewrite import apply


@register
class LockAwait(Transform):
    """Release the lock first, then notify: an observer, listener or callback no longer runs inside the
    critical section.

    ## What it does
    Finds awaits inside `async with lock:` (an `asyncio`, `anyio` or `trio` `Lock` or `Condition`), and
    inside `with lock:` on a `threading.Lock` in an `async def`, and moves one kind of await after the
    block: an **external notification** (the awaited method of an observer, listener, subscriber, hook
    or callback receiver such as `self._observer.on_evict(...)` or `listener(event)` in a loop over
    `self._listeners`, or a callback stored on the object such as `self._on_evict`) whose result the
    critical section does not need, when nothing in the block runs after it. Three shapes move, the
    ones the seed audit fixed by hand:

    - the block ends with notifications (and statements on local variables, `return value` included):
      they move after the block, in the same order;
    - the block ends with a `for` loop that only notifies (collect under the lock, notify after): the
      loop moves after the block, over a copy of its iterable when that is shared state;
    - the block ends with an `if` that changes state and then notifies (an eviction): the notification's
      arguments are collected in a list under the lock and the calls run after the block.

    What a moved call reads from shared state once other tasks can run (after an earlier moved await,
    or at any point under a threading lock or a lock of unknown type) is saved in a local variable under
    the lock first, the callee as well as every argument (`observer = self._observer`).

    A lock is known from its construction (`self._lock = asyncio.Lock()`, `lock = threading.Lock()`,
    through import aliases, dataclass `field(default_factory=asyncio.Lock)`), its annotation
    (`self._lock: asyncio.Lock`), or its name: the option `lock-patterns` (`[tool.codemod.lock-await]`,
    default `["*lock*", "*mutex*"]`, case-insensitive fnmatch patterns on the last name of the `with`
    expression). It fixes the audit finding CM101 (await while a lock is held).

    ## Why is this bad?
    While a task awaits with a lock held, every other task that needs the lock waits too, however long
    the awaited call takes: a slow observer becomes a stall for all of them, and an observer that calls
    back into the object deadlocks. Holding a `threading.Lock` across an await blocks the event loop's
    thread when another task tries to take it. Rust's clippy has `await_holding_lock`; Python linters
    have no such rule.

    ## Example
    ```python
    async def remove(self, key):
        async with self._lock:
            entry = self._entries.pop(key)
            self._size -= entry.size
            await self._observer.on_evict(key, entry.value)
    ```

    Use instead:
    ```python
    async def remove(self, key):
        async with self._lock:
            entry = self._entries.pop(key)
            self._size -= entry.size
        await self._observer.on_evict(key, entry.value)
    ```

    ## When it leaves an await alone
    Most awaits under a lock are what the lock is for. Each one that stays is reported with a reason
    that names its pattern:

    - **not a notification**: an awaited call that is not an observer's, listener's or callback's (a data
      store, a client, a module function): the lock may exist to make it atomic against other tasks;
      an awaited method of the lock's owner (`await self.read_reply()`), which the lock may serialize;
      an await of the operation the lock is named after (`await send(...)` under `_send_lock`);
    - **read-modify-write** across awaits (`v = await store.get(k)` ... `await store.set(k, v + n)`);
    - **check-then-act** (`if await store.exists(k):`, `if k not in self._seen: await ...`);
    - **init-once** (`if not self._ready: await self._create(); self._ready = True`);
    - **single-flight load** (`if k not in self._cache: self._cache[k] = await load(k)`);
    - **one frame written in several awaits** (`await w.write(header)`, `await w.write(body)`);
    - **a spacing sleep** (`await asyncio.sleep(...)` under a rate limiter's lock);
    - **an await whose exception or completion guards later statements**: a notification in the middle of
      the block (moved, the rest would run even when it raised: a rejected order booked), and a
      notification in a loop that also changes state (collected, one raise would no longer stop the
      later iterations);
    - **the callee is state too**: `await self._on_close()` followed by `self._on_close = _noop`;
    - **a `while` loop** around the await (its condition may depend on the await's progress);
    - **publish-then-initialise**: an object or flag published under the lock before its
      `await obj.initialize()` finishes;
    - **the lock's purpose**: a Condition built on the lock (a callee that notifies it needs the lock
      held), a lock whose `locked()` is read elsewhere, a lock its comments document as serialising calls
      or I/O ("prevents parallel calls"), a lock named for an operation (`_update_lock`, `_io_lock`), a
      lock that serialises a lifecycle (taken by `connect()`/`disconnect()`, `start()`/`stop()`,
      `reload()`, `subscribe()`/`unsubscribe()`, `add_listener()`/`remove_listener()`), a semaphore;
    - **a lock held only around its awaits** (and bookkeeping such as `self.count += 1`): it serializes
      them;
    - **`lock.acquire()`/`release()` pairs**: each await between them is reported, never rewritten;
    - awaits on the lock itself (`cond.wait()`), inside `try` (unless the whole `try` around
      notifications moves), nested `with`/`async with`/`async for`/`match`, comprehensions, nested locks,
      and blocks written on one line.

    ## Fix safety
    This fix is unsafe in ruff's terms: the lock is released before the callback runs, which is the
    point of the fix. The observer now runs after the rest of the critical section and after the lock
    is released: another task may take the lock before or while it runs, notifications of concurrent
    calls may interleave, and a callback that reads the protected state sees the state the whole
    critical section left. Values captured under the lock are the ones the call would have seen unless
    an earlier moved notification changed them itself; objects reached through local variables are seen
    as they are when the call runs. If the notification raises, it raises after the block, as before
    nothing of the block follows it. Review each moved call with these in mind; `--transform lock-await`
    applies it, `--transform all` only with `--unsafe-fixes`.
    """

    name = "lock-await"
    fix_safety = UNSAFE
    rules = ("CM101",)
    version = "2"
    summary = "Move observer and callback notifications out of `async with lock:` blocks, as the seed audit did."
    prefilter = (b"async",)
    option_defaults = {"lock-patterns": ["*lock*", "*mutex*"]}

    def wants(self, data: bytes) -> bool:
        return b"async" in data and (b"with" in data or b"acquire" in data)

    @property
    def patterns(self) -> list[str]:
        pats = self.options.get("lock-patterns")
        if isinstance(pats, str):  # from the command line: comma-separated
            pats = [p.strip() for p in pats.split(",") if p.strip()]
        return list(pats or [])

    def index(self, src: SourceInfo, tree: ast.Module) -> Any:
        facts = ModuleFacts(tree, src.text, self.patterns)
        blocks = index(facts)
        if blocks is None:
            return None
        # The whole analysis runs here: a file where nothing moves (most of them) is reported from
        # these facts, and LibCST never parses it.
        return LockFileFacts(blocks, _report_only(facts, columns(src.text)))

    def plan(self, facts: dict[str, Any]) -> Plan:
        plan = super().plan(facts)
        for path, file_facts in facts.items():
            report = file_facts.skips if isinstance(file_facts, LockFileFacts) else None
            if report is not None:
                plan.report_only[path] = [Skip(path, line, col, self.name, reason) for line, col, reason in report]
        return plan

    def rewrite(self, module: cst.Module, file_plan: Any, ctx: RewriteContext) -> cst.Module:
        source = source_of(module)
        facts = ModuleFacts(ast.parse(source), source, self.patterns)
        column = columns(source)

        def pos(node: ast.AST) -> tuple[int, int]:
            return node.lineno, column(node.lineno, node.col_offset)

        reported: set[tuple[int, int]] = set()
        plans = []
        chosen: set[str] = set()
        for block in facts.lock_blocks():
            pinned: set[int] = set()
            while True:
                planner = BlockPlanner(facts, block, taken_names(facts, block) | chosen, pinned, column)
                outcome = planner.run()
                plan = outcome.plan
                if plan is None:
                    break
                ignored = [m for m in plan.moved if ctx.suppressed_at(m.line)]
                if not ignored:
                    break
                pinned |= {id(s) for s in block.sites if s.lineno in {m.line for m in ignored}}
            for site, reason in outcome.skips:
                reported.add(pos(site))
                ctx.skip(*pos(site), reason)
            for site in outcome.pinned:
                reported.add(pos(site))
                ctx.fix(*pos(site), f"`await {ast.unparse(site.value)[:60]}` stays under the lock", safety=UNSAFE)
            if plan is None:
                continue
            unit = f"lock-await:{ctx.path}:{plan.with_line}"
            made = True
            for m in plan.moved:
                reported.add((m.line, m.col))
                message = (
                    f"moved `await {m.code}` after {plan.header}: {m.what} now runs after the lock is released"
                )
                why = (
                    f"the lock is released before {m.what} runs: other tasks may take the lock before or while "
                    "it runs, and it sees the state the whole critical section left"
                )
                made = ctx.fix(m.line, m.col, message, safety=UNSAFE, why=why, unit=unit, end=m.end) and made
            if made:
                plans.append(plan)
                chosen |= planner.taken
        for line, col, reason in _acquire_skips(facts, reported, pos):
            ctx.skip(line, col, reason)
        return apply(module, plans)


@dataclass(frozen=True)
class LockFileFacts:
    """One file's facts: where the rewrite will report (lock blocks and acquire()/release() regions
    holding a lock across an await), and, when no await in it can move, the whole report."""

    blocks: tuple[tuple[int, int], ...]
    # the whole report when nothing moves (no rewrite needed); None: something may move (LibCST decides)
    skips: Optional[tuple[tuple[int, int, str], ...]] = None


def _acquire_skips(facts: ModuleFacts, reported: set[tuple[int, int]], pos) -> list[tuple[int, int, str]]:
    """Each await between an ``acquire()`` and its ``release()`` not reported already: reported, never moved."""
    found = []
    for region in facts.acquire_regions():
        for site in region.sites:
            if pos(site) not in reported:
                reported.add(pos(site))
                found.append((*pos(site), reasons.acquire_release(region.lock.code, region.acquire.lineno, region.release_line)))
    return found


def _report_only(facts: ModuleFacts, column) -> Optional[tuple[tuple[int, int, str], ...]]:
    """What :meth:`LockAwait.rewrite` would report when no block of the file has an await that moves
    (None when one may: then only the rewrite knows, suppressions and all)."""

    def pos(node: ast.AST) -> tuple[int, int]:
        return node.lineno, column(node.lineno, node.col_offset)

    reported: set[tuple[int, int]] = set()
    found: list[tuple[int, int, str]] = []
    for block in facts.lock_blocks():
        outcome = BlockPlanner(facts, block, taken_names(facts, block), set(), column).run()
        if outcome.plan is not None:
            return None
        for site, reason in outcome.skips:
            reported.add(pos(site))
            found.append((*pos(site), reason))
    found += _acquire_skips(facts, reported, pos)
    return tuple(found)
