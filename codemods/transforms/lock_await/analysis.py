"""What an await under a lock is for: an external notification that may move, or the reason it stays.

The model is the seed audit's hand-made fix: an observer's, listener's or callback's notification whose
result the critical section does not need. Everything else an await under a lock can be (the operation
the lock makes atomic, a read-modify-write, a single-flight load, a frame, a spacing sleep...) stays, and
:func:`why_stays` names the pattern. :func:`purpose` reads what a lock is for from the module (its
comments, its name, the methods that take it, who reads ``locked()``).
"""

from __future__ import annotations

import ast
import builtins
import re
from typing import Iterator, Optional

from . import reasons
from .facts import SLEEPS, FunctionFacts, Lock, LockBlock, ModuleFacts, last_name, short, text, words

_BUILTINS = frozenset(dir(builtins))

# a receiver or callable named with one of these is an observer, listener or callback
NOTIFY_WORDS = frozenset(
    "observer observers obs listener listeners subscriber subscribers watcher watchers hook hooks callback "
    "callbacks cb cbs notifier notifiers notify".split()
)
# ...unless its name ends in one of these: `listener_store`, `callback_queue` are data
STORE_WORDS = frozenset(
    "store storage db database cache redis repo repository table client conn connection session writer reader "
    "transport socket sock stream device api queue channel pool file backend server".split()
)
LIFECYCLE_WORDS = frozenset(
    "connect disconnect reconnect start stop restart close open reload subscribe unsubscribe setup teardown shutdown "
    "login logout initialize initialise unload pause resume attach detach mount unmount enable disable activate "
    "deactivate".split()
)
# `add_listener`/`remove_listener` taking the lock: registration serialised against the notifications
_REGISTRATION = (frozenset({"add", "remove", "register", "unregister"}), NOTIFY_WORDS - {"notify"})
IO_WORDS = frozenset(
    "io request command cmd api device serial bus write send read recv receive rpc query call transport connection "
    "conn socket client update refresh poll fetch sync upload download flush transaction tx rx auth network "
    "login connect reload".split()
)
_LOCK_WORDS = frozenset("lock locks mutex rlock cond condition sem semaphore guard the a an async aio".split())
_PURPOSE = re.compile(
    r"parallel|concurren|simultaneous|same time|at a time|serial[iy]|overlap|interleav|sequential|one at once"
    r"|in flight|rate.?limit|throttl|only one",
    re.I,
)
_PURPOSE_NOUNS = re.compile(
    r"call|request|command|device|connection|client|api|socket|write|send|read|update|refresh|\bi/?o\b|operation"
    r"|transaction|network|server|bus|port|serial|access",
    re.I,
)
MUTATORS = frozenset(
    "pop popitem popleft append appendleft extend insert remove discard add clear update setdefault move_to_end "
    "sort reverse put_nowait set_result set_exception cancel".split()
)
READ_ONLY = frozenset(
    "get keys values items copy count index startswith endswith find rfind lower upper casefold strip lstrip rstrip "
    "split rsplit splitlines join format encode decode isdigit isalpha isalnum isspace issubset issuperset "
    "isdisjoint union intersection difference locked done result exception qsize empty full".split()
)
_CLOCK_WORDS = frozenset("time monotonic clock now utcnow perf_counter timestamp".split())
LOG_METHODS = frozenset("debug info warning warn error exception critical log".split())
FRAME_METHODS = frozenset("write writelines send sendall send_bytes send_str send_json send_frame drain flush".split())
_READ_WORDS = frozenset("get read load fetch balance lookup find query select peek count".split())
_WRITE_WORDS = frozenset("set put write save store update incr increment decr add insert upsert commit".split())
_PURE_BUILTINS = frozenset("len bool int float str repr abs min max round tuple list set frozenset sorted dict".split())


def callback_like(name: Optional[str]) -> bool:
    """`_on_evict`, `onClose`, `listeners`, `evict_callback`, `notify_cb`: named as a notification."""
    w = words(name)
    if not w or w[-1] in STORE_WORDS:
        return False
    return (w[0] == "on" and len(w) > 1) or any(x in NOTIFY_WORDS for x in w)


def iter_call(stmt: ast.stmt) -> Optional[ast.Call]:
    """The call of `await f(...)` alone on a line (its result discarded)."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Await) and isinstance(stmt.value.value, ast.Call):
        return stmt.value.value
    return None


def call_args(call: ast.Call) -> list[ast.expr]:
    """Argument values in source order (positional, `*x`, keywords, `**x`), as LibCST lists them."""
    items: list[ast.AST] = sorted([*call.args, *call.keywords], key=lambda a: (a.lineno, a.col_offset))
    return [a.value if isinstance(a, (ast.keyword, ast.Starred)) else a for a in items]


def callee_base(call: ast.Call) -> ast.expr:
    """What a moved call must find again: the receiver of a method, else the callee itself."""
    return call.func.value if isinstance(call.func, ast.Attribute) else call.func


# --------------------------------------------------------------------------------------------
# names in one function


class Names:
    """Which names of a function are its own locals, and where each is bound from."""

    def __init__(self, facts: ModuleFacts, fn: FunctionFacts) -> None:
        self.facts = facts
        self.fn = fn
        node = fn.node
        args = node.args
        params = [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)]
        params += [a.arg for a in (args.vararg, args.kwarg) if a is not None]
        self.self_name = params[0] if fn.cls is not None and params and params[0] in ("self", "cls") else None
        self.params = set(params)
        self.locals: set[str] = set(params)
        self.sources: dict[str, list[ast.expr]] = {}
        declared: set[str] = set()
        for sub in _own(node):
            if isinstance(sub, (ast.Global, ast.Nonlocal)):
                declared.update(sub.names)
            elif isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                self.locals.add(sub.id)
            elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub is not node:
                self.locals.add(sub.name)
            elif isinstance(sub, (ast.Import, ast.ImportFrom)):
                self.locals.update((a.asname or a.name).split(".")[0] for a in sub.names)
            elif isinstance(sub, ast.ExceptHandler) and sub.name:
                self.locals.add(sub.name)
            if isinstance(sub, (ast.For, ast.comprehension)):
                for t in ast.walk(sub.target):
                    if isinstance(t, ast.Name):
                        self.sources.setdefault(t.id, []).append(sub.iter)
            elif isinstance(sub, ast.Assign):
                for target in sub.targets:
                    if isinstance(target, ast.Name):
                        self.sources.setdefault(target.id, []).append(sub.value)
        self.locals -= declared

    def is_local(self, name: str) -> bool:
        return name in self.locals and name != self.self_name

    def shared_root(self, name: str) -> bool:
        """A name through which other tasks reach the same objects: `self`, a global variable."""
        if name == self.self_name:
            return True
        if name in self.locals:
            return False
        return name not in _BUILTINS and name not in self.facts.imports and name not in self.facts.defs

    def reads_shared(self, node: ast.AST) -> bool:
        return any(isinstance(n, ast.Name) and self.shared_root(n.id) for n in ast.walk(node))

    def has_call(self, node: ast.AST) -> bool:
        return any(
            isinstance(n, ast.Call) and not (isinstance(n.func, ast.Name) and n.func.id in _PURE_BUILTINS)
            for n in ast.walk(node)
        )

    def local_only(self, node: Optional[ast.AST]) -> bool:
        """Built from local names and constants with operators (and pure builtins such as `len`) only."""
        if node is None or isinstance(node, ast.Constant):
            return True
        if isinstance(node, ast.Name):
            return self.is_local(node.id) or node.id in ("None", "True", "False")
        if isinstance(node, ast.BinOp):
            return self.local_only(node.left) and self.local_only(node.right)
        if isinstance(node, ast.UnaryOp):
            return self.local_only(node.operand)
        if isinstance(node, ast.BoolOp):
            return all(self.local_only(v) for v in node.values)
        if isinstance(node, ast.Compare):
            return self.local_only(node.left) and all(self.local_only(c) for c in node.comparators)
        if isinstance(node, ast.IfExp):
            return all(self.local_only(n) for n in (node.test, node.body, node.orelse))
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return all(self.local_only(e.value if isinstance(e, ast.Starred) else e) for e in node.elts)
        if isinstance(node, ast.JoinedStr):
            return all(self.local_only(v) for v in node.values)
        if isinstance(node, ast.FormattedValue):
            return self.local_only(node.value) and self.local_only(node.format_spec)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in _PURE_BUILTINS:
            shadowed = node.func.id in self.locals or node.func.id in self.facts.module_names
            return not shadowed and not node.keywords and all(self.local_only(a) for a in node.args)
        return False

    def source_names(self, name: str) -> list[Optional[str]]:
        """The name itself and the last names of what it is bound from (`for o in self._observers` -> observers)."""
        out: list[Optional[str]] = [name]
        for src in self.sources.get(name, []):
            while isinstance(src, ast.Call) and isinstance(src.func, ast.Name) and src.func.id in _PURE_BUILTINS and src.args:
                src = src.args[0]  # list(self._listeners), sorted(...)
            if isinstance(src, ast.Call) and isinstance(src.func, ast.Attribute) and src.func.attr in READ_ONLY | {"pop"}:
                src = src.func.value  # self._callbacks.items(), self._observers.get(key)
            out.append(last_name(src))
        return out


def _own(fn: ast.AST) -> Iterator[ast.AST]:
    todo = list(ast.iter_child_nodes(fn))
    while todo:
        n = todo.pop()
        yield n
        if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        todo.extend(ast.iter_child_nodes(n))


# --------------------------------------------------------------------------------------------
# notifications


def notification(call: ast.Call, names: Names) -> Optional[str]:
    """What the awaited call notifies ("the observer `self._observer`"), or None when it is not an
    external notification: the lock owner's own operations, module functions, data stores and
    unknown callables are not."""
    func = call.func
    cls = names.fn.cls
    if isinstance(func, ast.Attribute):
        receiver = func.value
        if isinstance(receiver, ast.Name) and receiver.id == names.self_name:
            attr = func.attr
            if cls is not None and attr in cls.stored and attr not in cls.methods and callback_like(attr):
                return f"the stored callback `{names.facts.show(func)}`"
            return None
        if isinstance(receiver, ast.Name):
            if not names.is_local(receiver.id) and (receiver.id in names.facts.imports or receiver.id in names.facts.defs):
                return None  # a module or a class: `await hooks.run()` is a function call
            candidates = names.source_names(receiver.id) if names.is_local(receiver.id) else [receiver.id]
        elif isinstance(receiver, (ast.Attribute, ast.Subscript)):
            candidates = [last_name(receiver)]
        else:
            return None
        if any(callback_like(c) for c in candidates):
            return f"the {_role(candidates)} `{names.facts.show(receiver)}`"
        return None
    if isinstance(func, ast.Name):
        if not names.is_local(func.id):
            return None  # a module function or a global: it may need the lock (a Condition it notifies)
        if any(callback_like(c) for c in names.source_names(func.id)):
            return f"the callback `{func.id}`"
        return None
    if isinstance(func, ast.Subscript) and callback_like(last_name(func.value)):
        return f"the callback `{names.facts.show(func)}`"
    return None


def _role(candidates: list[Optional[str]]) -> str:
    for c in candidates:
        w = set(words(c))
        for role in ("listener", "observer", "subscriber", "watcher", "hook", "callback"):
            if role in w or role + "s" in w:
                return role
    return "observer"


# --------------------------------------------------------------------------------------------
# what statements do


def is_log_call(node: ast.AST) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    if isinstance(func, ast.Name):
        return func.id == "print"
    if isinstance(func, ast.Attribute) and func.attr in LOG_METHODS:
        name = (last_name(func.value) or "").lower()
        return "log" in name
    return False


def _clock_call(node: ast.AST) -> bool:
    return isinstance(node, ast.Call) and bool(set(words(last_name(node.func))) & _CLOCK_WORDS)


def local_statement(stmt: ast.stmt, names: Names) -> bool:
    """A statement that touches only local variables (it may move after the block with the awaits)."""
    if isinstance(stmt, (ast.Pass, ast.Break, ast.Continue)):
        return True
    if isinstance(stmt, ast.Return):
        return names.local_only(stmt.value)
    if isinstance(stmt, ast.Assign):
        return all(_local_target(t, names) for t in stmt.targets) and names.local_only(stmt.value)
    if isinstance(stmt, ast.AugAssign):
        return _local_target(stmt.target, names) and names.local_only(stmt.value)
    if isinstance(stmt, ast.AnnAssign):
        return stmt.value is not None and _local_target(stmt.target, names) and names.local_only(stmt.value)
    if isinstance(stmt, ast.Expr) and is_log_call(stmt.value):
        return all(names.local_only(a) for a in call_args(stmt.value))  # logging what the block computed
    return False


def _local_target(target: ast.expr, names: Names) -> bool:
    if isinstance(target, ast.Name):
        return names.is_local(target.id)
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_local_target(e.value if isinstance(e, ast.Starred) else e, names) for e in target.elts)
    return False


def changes_state(stmt: ast.stmt, names: Names) -> bool:
    """The statement changes state other tasks can see (not counting bookkeeping: counters, timestamps,
    logging): what the lock protects besides the awaits."""
    aliases = {n for n, srcs in names.sources.items() if any(_shared_alias(s, names) for s in srcs)}

    def shared(expr: ast.AST) -> bool:  # reached by others: `self`, globals, what the caller passed in, aliases
        root = expr
        while isinstance(root, (ast.Attribute, ast.Subscript, ast.Call)):
            root = root.value if not isinstance(root, ast.Call) else root.func
        return isinstance(root, ast.Name) and (names.shared_root(root.id) or root.id in aliases or root.id in names.params)

    for node in _not_awaited(stmt):
        if isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                for sub in ast.walk(t):
                    if isinstance(sub, (ast.Attribute, ast.Subscript)) and isinstance(sub.ctx, ast.Store):
                        if not _clock_call(node.value):
                            return True
                    if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store) and not names.is_local(sub.id):
                        return True
        elif isinstance(node, ast.Delete):
            return True
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            return True
        elif isinstance(node, ast.Call) and not is_log_call(node) and not _clock_call(node):
            func = node.func
            if isinstance(func, ast.Attribute):
                if func.attr in MUTATORS and shared(func.value):
                    return True
                if func.attr not in READ_ONLY and shared(func.value):
                    return True
            elif any(shared(a) for a in call_args(node)) and not (isinstance(func, ast.Name) and func.id in _PURE_BUILTINS):
                return True
    return False


def _not_awaited(stmt: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a statement outside awaited expressions and nested functions (awaits that stay do not
    count as protected state: a lock held only around awaits serializes them)."""
    todo = [stmt]
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.Await, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)) and n is not stmt:
            continue
        yield n
        todo.extend(ast.iter_child_nodes(n))


def _shared_alias(src: ast.expr, names: Names) -> bool:
    """`entries = self._entries`: a local that is another name for shared state (not a copy of it)."""
    root = src
    while isinstance(root, (ast.Attribute, ast.Subscript)):
        root = root.value
    return isinstance(root, ast.Name) and names.shared_root(root.id)


def bookkeeping(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.AugAssign) or (isinstance(stmt, ast.Expr) and is_log_call(stmt.value))


# --------------------------------------------------------------------------------------------
# what a lock is for


def purpose(facts: ModuleFacts, lock: Lock, fn: FunctionFacts) -> Optional[str]:
    """A reason every await under this lock stays, read from what the module says the lock is for."""
    code = lock.code
    if lock.kind == "semaphore":
        return reasons.semaphore(code)
    line = facts.locked_read(lock)
    if line is not None:
        return reasons.locked_read(code, line)
    cond = facts.condition_on(lock)
    if cond is not None:
        return reasons.condition(code, cond)
    for line, comment in facts.notes_on(lock):
        if _PURPOSE.search(comment) and _PURPOSE_NOUNS.search(comment):
            return reasons.documented(code, line, short(comment, 80))
    lock_words = [w for w in words(lock.name) if w not in _LOCK_WORDS]
    for w in lock_words:
        if w in LIFECYCLE_WORDS or w in IO_WORDS:
            return reasons.named_for(code, w)
    takers = facts.takers_of(lock)
    if fn.node.name not in takers:
        takers.append(fn.node.name)
    life = [t for t in takers if _lifecycle_name(t)]
    if life:
        return reasons.lifecycle(code, life)
    return None


def _lifecycle_name(name: str) -> bool:
    w = [x for x in words(name) if x != "async"]
    if any(x in LIFECYCLE_WORDS for x in w):
        return True
    verbs, nouns = _REGISTRATION
    return bool(set(w) & verbs) and any(x in nouns for x in w)


# --------------------------------------------------------------------------------------------
# why an await stays


class BlockView:
    """One lock block: its statements' parents, and the function's names."""

    def __init__(self, facts: ModuleFacts, block: LockBlock) -> None:
        self.facts = facts
        self.block = block
        self.node = block.node
        self.lock = block.lock
        self.names = Names(facts, block.fn)
        keyword = "async with" if isinstance(self.node, ast.AsyncWith) else "with"
        self.header = f"`{keyword} {block.lock.code}`" if block.lock else "the lock block"
        self.parents: dict[int, ast.AST] = {}
        for parent in ast.walk(self.node):
            for child in ast.iter_child_nodes(parent):
                self.parents[id(child)] = parent

    def ancestors(self, node: ast.AST) -> list[ast.AST]:
        """From the node's parent up to (not including) the with statement."""
        out = []
        p = self.parents.get(id(node))
        while p is not None and p is not self.node:
            out.append(p)
            p = self.parents.get(id(p))
        return out

    def statement_of(self, node: ast.AST) -> ast.stmt:
        for a in [node, *self.ancestors(node)]:
            if isinstance(a, ast.stmt):
                return a
        raise ValueError("not in the block")

    def after(self, stmt: ast.stmt) -> list[ast.stmt]:
        """Statements of the block that run after ``stmt`` (by position), nested ones included."""
        end = (stmt.end_lineno or stmt.lineno, stmt.end_col_offset or 0)
        return [
            s for s in ast.walk(self.node)
            if isinstance(s, ast.stmt) and s is not self.node and (s.lineno, s.col_offset) > end
        ]

    def following(self, stmt: ast.stmt) -> list[ast.stmt]:
        """Statements of the block that may run after ``stmt`` has run: its later siblings, what follows
        the statements around it (not the other branch of an `if`), and a loop body's next iteration."""
        out: list[ast.stmt] = []
        node: ast.AST = stmt
        while node is not self.node:
            parent = self.parents[id(node)]
            for name in ("body", "orelse", "finalbody"):
                siblings = getattr(parent, name, None)
                if isinstance(siblings, list) and node in siblings:
                    later = siblings[siblings.index(node) + 1 :]
                    out += [s for top in later for s in ast.walk(top) if isinstance(s, ast.stmt)]
                    if isinstance(parent, (ast.For, ast.While, ast.AsyncFor)) and name == "body":
                        out += [s for top in siblings[: siblings.index(node)] for s in ast.walk(top) if isinstance(s, ast.stmt)]
            if isinstance(parent, ast.ExceptHandler):
                parent = self.parents[id(parent)]
            node = parent
        return out

    def before(self, stmt: ast.stmt) -> list[ast.stmt]:
        return [
            s for s in ast.walk(self.node)
            if isinstance(s, ast.stmt) and s is not self.node and (s.end_lineno or s.lineno, s.end_col_offset or 0)
            <= (stmt.lineno, stmt.col_offset) and s not in self.ancestors(stmt)
        ]

    def structural(self, site: ast.AST) -> Optional[str]:
        """Reasons that hold whatever the await calls: where it sits, and whether it is the lock's own."""
        h = self.header
        if isinstance(site, ast.AsyncFor):
            return reasons.async_for(h)
        if isinstance(site, ast.AsyncWith):
            other = next((self.facts.lock_of(i.context_expr, self.block.fn) for i in site.items), None)
            if other is not None:
                return reasons.second_lock(other.code, h)
            return reasons.async_with(h)
        if isinstance(site, ast.comprehension):
            return reasons.async_comprehension(h)
        assert isinstance(site, ast.Await)
        if self.lock is not None:
            call = site.value.func if isinstance(site.value, ast.Call) else site.value
            target = call.value if isinstance(call, ast.Attribute) else call
            if text(target) == self.lock.code:
                if isinstance(call, ast.Attribute) and call.attr in ("wait", "wait_for"):
                    return reasons.on_lock(self.facts.show(site.value), h)
                return reasons.uses_lock(self.lock.code)
            if any(text(n) == self.lock.code for n in ast.walk(site) if isinstance(n, (ast.Name, ast.Attribute))):
                return reasons.uses_lock(self.lock.code)
        for a in self.ancestors(site):
            if isinstance(a, (ast.Try, getattr(ast, "TryStar", ast.Try))):
                return reasons.in_try(h)
            if isinstance(a, (ast.With, ast.AsyncWith)):
                other = next((self.facts.lock_of(i.context_expr, self.block.fn) for i in a.items), None)
                if other is not None:
                    return reasons.nested_lock(self.lock.code if self.lock else "the lock", other.code)
                return reasons.nested_with("async with" if isinstance(a, ast.AsyncWith) else "with", h)
            if isinstance(a, ast.AsyncFor):
                return reasons.inside_async_for(h)
            if isinstance(a, ast.While):
                return reasons.while_loop(a.lineno)
            if isinstance(a, ast.Match):
                return reasons.in_match(h)
            if isinstance(a, ast.Await):
                return reasons.nested_await()
        return None

    def why_stays(self, site: ast.Await) -> str:
        """The pattern an await that is not a notification (or cannot move as one) belongs to."""
        value = site.value
        call = value if isinstance(value, ast.Call) else None
        code = self.facts.show(value)
        if self.lock is not None and self.lock.kind == "semaphore":
            return reasons.semaphore(self.lock.code)
        if call is not None:
            if self.facts.qualified(call.func) in SLEEPS or last_name(call.func) == "sleep":
                return reasons.spacing_sleep(code)
            named = self.named_after(call)
            if named:
                return named
        stmt = self.statement_of(site)
        later = self.after(stmt)
        parent = self.parents.get(id(site))
        # its result is used
        if isinstance(stmt, ast.Assign) and stmt.value is site:
            targets = stmt.targets
            if all(_names_only(t) for t in targets):  # `value = await ...`, `result, mid = await ...`
                bound = [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
                verdict = self._result_in_local(bound, stmt, site, later)
                if verdict:
                    return verdict
                return self._unneeded(site, stmt, call, code)
            target = next(t for t in targets if not _names_only(t))
            return self._result_in_state(target, stmt)
        if isinstance(stmt, ast.AnnAssign) and stmt.value is site:
            if isinstance(stmt.target, ast.Name):
                verdict = self._result_in_local([stmt.target.id], stmt, site, later)
                return verdict or self._unneeded(site, stmt, call, code)
            return self._result_in_state(stmt.target, stmt)
        if isinstance(stmt, (ast.If, ast.While)) and any(n is site for n in ast.walk(stmt.test)):
            return reasons.check_then_act(self.facts.show(stmt.test), stmt.lineno)
        if isinstance(stmt, ast.Return):
            return reasons.result_returned()
        if not isinstance(stmt, ast.Expr) or parent is not stmt:
            return reasons.result_used(self.facts.show(value, 30), stmt.lineno)
        return self._unneeded(site, stmt, call, code)

    def _unneeded(self, site: ast.Await, stmt: ast.stmt, call: Optional[ast.Call], code: str) -> str:
        """An await whose result the critical section does not need: what else the lock guards it for."""
        names = self.names
        if call is not None:
            cond = self._needs_condition(call)
            if cond:
                return cond
        branches = [a for a in self.ancestors(site) if isinstance(a, ast.If)]
        for a in branches:
            flag = self._flag_set_after(a, stmt)
            if flag is not None:
                return reasons.init_once(flag, a.lineno)
        if call is not None:
            published = self._published_before(call, stmt)
            if published:
                return published
            for a in branches:
                loaded = self._loads_tested(a.test, call)
                if loaded:
                    return reasons.single_flight(loaded, a.lineno)
        for a in branches:
            if names.reads_shared(a.test) or any(isinstance(n, ast.Await) for n in ast.walk(a.test)):
                return reasons.check_then_act(self.facts.show(a.test), a.lineno)
        if call is not None:
            frame = self._frame(call)
            if frame:
                return frame
            read = self._written_back(call, stmt)
            if read:
                return read
            if isinstance(call.func, ast.Attribute) and (
                (isinstance(call.func.value, ast.Name) and call.func.value.id == names.self_name)
                or (isinstance(call.func.value, ast.Call) and last_name(call.func.value.func) == "super")
            ):
                return reasons.owner_operation(code, self.lock.code if self.lock else "the lock")
        if not any(changes_state(s, names) for s in self.node.body if not bookkeeping(s)):
            noted = next((s.lineno for s in self.node.body if bookkeeping(s)), None)
            return reasons.serializes(self.header, noted)
        return reasons.not_a_notification(code)

    def _written_back(self, call: ast.Call, stmt: ast.stmt) -> Optional[str]:
        """`await store.set(k, balance + n)` where `balance = await store.get(k)` earlier in the block."""
        if not isinstance(call.func, ast.Attribute):
            return None
        receiver = text(call.func.value)
        used = _reads(call)
        for s in self.before(stmt):
            if isinstance(s, ast.Assign) and isinstance(s.value, ast.Await) and isinstance(s.value.value, ast.Call):
                read = s.value.value
                names = {t.id for t in s.targets if isinstance(t, ast.Name)}
                if (
                    names & used and isinstance(read.func, ast.Attribute) and text(read.func.value) == receiver
                    and _rw_pair(read.func.attr, call.func.attr)
                ):
                    return reasons.read_modify_write(sorted(names & used)[0], s.lineno, stmt.lineno)
        return None

    def _needs_condition(self, call: ast.Call) -> Optional[str]:
        """A callee that notifies a Condition built on this lock (`await wake(self._cond)`, a helper whose
        body calls `notify_all()`) needs the lock held."""
        if self.lock is None:
            return None
        cond = self.facts.condition_on(self.lock)
        if cond is None:
            return None
        if any(text(n) == cond for n in ast.walk(call) if isinstance(n, (ast.Name, ast.Attribute))):
            return reasons.condition(self.lock.code, cond)
        name = last_name(call.func)
        for f in self.facts.functions:
            if f.node.name == name and any(
                isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr in ("notify", "notify_all")
                for n in ast.walk(f.node)
            ):
                return reasons.condition(self.lock.code, cond)
        return None

    def _loads_tested(self, test: ast.expr, call: ast.Call) -> Optional[str]:
        """`if key not in self._cache: await loader.fill(self._cache, key)`: a load of what the test misses."""
        tested = set()
        for n in ast.walk(test):
            if isinstance(n, ast.Compare) and any(isinstance(op, (ast.NotIn, ast.In, ast.Is, ast.IsNot)) for op in n.ops):
                for side in (n.left, *n.comparators):
                    base = side.value if isinstance(side, ast.Subscript) else side
                    if isinstance(base, ast.Call) and isinstance(base.func, ast.Attribute):
                        base = base.func.value  # self._cache.get(key) is None
                    if isinstance(base, (ast.Attribute, ast.Name)) and self.names.reads_shared(base):
                        tested.add(text(base))
        for n in ast.walk(call):
            if isinstance(n, (ast.Attribute, ast.Name)) and text(n) in tested:
                return text(n)
        return None

    def named_after(self, call: ast.Call) -> Optional[str]:
        """`_send_lock` and `await send(...)`: a lock named after the awaited operation serializes it."""
        if self.lock is None:
            return None
        lock_words = set(words(self.lock.name)) - _LOCK_WORDS
        shared = sorted(lock_words & set(words(last_name(call.func))))
        if not shared:
            return None
        return reasons.named_after(self.lock.code, self.facts.show(call), shared[0])

    def _result_in_local(self, targets: list[str], stmt: ast.stmt, site: ast.Await, later: list[ast.stmt]) -> str:
        derived = set(targets)
        for s in later:  # names computed from the result: `new = balance + amount`
            if isinstance(s, ast.Assign) and _reads(s.value) & derived:
                derived |= {n.id for t in s.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
        call = site.value if isinstance(site.value, ast.Call) else None
        receiver = None
        if call is not None and isinstance(call.func, ast.Attribute) and text(call.func.value) != self.names.self_name:
            receiver = text(call.func.value)
        for s in later:
            for sub in ast.walk(s):
                if isinstance(sub, ast.Await) and isinstance(sub.value, ast.Call) and _reads(sub.value) & derived:
                    other = sub.value
                    if receiver and isinstance(other.func, ast.Attribute) and text(other.func.value) == receiver:
                        if _rw_pair(call.func.attr, other.func.attr):
                            return reasons.read_modify_write(targets[0], stmt.lineno, s.lineno)
            if isinstance(s, (ast.Assign, ast.AugAssign, ast.AnnAssign)) and _reads(getattr(s, "value", None)) & derived:
                target = s.targets[0] if isinstance(s, ast.Assign) else s.target
                if isinstance(target, (ast.Attribute, ast.Subscript)):
                    verdict = self._result_in_state(target, stmt)
                    if "single-flight" in verdict or "init-once" in verdict:
                        return verdict
                    if self._read_from(target, call):
                        return reasons.read_modify_write(targets[0], stmt.lineno, s.lineno)
                    return reasons.result_stored(self.facts.show(target, 40), s.lineno)
        for s in later:
            if isinstance(s, (ast.If, ast.While)) and _reads(s.test) & derived:
                return reasons.check_then_act(self.facts.show(s.test), s.lineno)
            if _reads(s) & derived:
                if isinstance(s, ast.Return):
                    return reasons.result_returned()
                return reasons.result_used(targets[0], s.lineno)
        return None  # used only after the block: what else the lock could be guarding it for decides

    def _read_from(self, target: ast.expr, call: Optional[ast.Call]) -> bool:
        """`balance = await self._balances.get(k)` ... `self._balances[k] = ...`: written where it was read."""
        if call is None:
            return False
        base = target.value if isinstance(target, ast.Subscript) else target
        return any(text(n) == text(base) for n in ast.walk(call) if isinstance(n, (ast.Attribute, ast.Name, ast.Subscript)))

    def _result_in_state(self, target: ast.expr, stmt: ast.stmt) -> str:
        code = self.facts.show(target, 40)
        key_base = text(target.value) if isinstance(target, ast.Subscript) else text(target)

        def tests_it(test: ast.expr) -> bool:
            for n in ast.walk(test):
                if isinstance(n, (ast.Attribute, ast.Subscript, ast.Name)) and text(n) in (key_base, text(target)):
                    return True
                if isinstance(n, ast.Name) and self.names.is_local(n.id):  # `token = self._tokens.get(scope)`
                    if any(key_base in text(src) for src in self.names.sources.get(n.id, [])):
                        return True
            return False

        for a in [*self.ancestors(stmt), *self.before(stmt)]:
            if isinstance(a, ast.If) and tests_it(a.test):
                if isinstance(target, ast.Subscript):
                    return reasons.single_flight(code, a.lineno)
                return reasons.init_once(code, a.lineno)
        return reasons.result_stored(code, stmt.lineno)

    def _flag_set_after(self, branch: ast.If, stmt: ast.stmt) -> Optional[str]:
        tested = {text(n) for n in ast.walk(branch.test) if isinstance(n, (ast.Attribute, ast.Name, ast.Subscript))}
        for s in ast.walk(branch):
            if isinstance(s, (ast.Assign, ast.AnnAssign)) and s.lineno > stmt.lineno:
                targets = s.targets if isinstance(s, ast.Assign) else [s.target]
                for t in targets:
                    if text(t) in tested and not isinstance(t, ast.Name):
                        return text(t)
        return None

    def _frame(self, call: ast.Call) -> Optional[str]:
        if not isinstance(call.func, ast.Attribute):
            return None
        receiver = text(call.func.value)
        lines, methods = [], set()
        for s in ast.walk(self.node):
            c = iter_call(s) if isinstance(s, ast.stmt) else None
            if c is not None and isinstance(c.func, ast.Attribute) and text(c.func.value) == receiver:
                lines.append(s.lineno)
                methods.add(c.func.attr)
        if len(lines) >= 2 and methods & FRAME_METHODS:
            return reasons.frame(short(receiver, 30), sorted(lines))
        return None

    def _published_before(self, call: ast.Call, stmt: ast.stmt) -> Optional[str]:
        """`self._conn = conn` ... `await conn.start()`: the object is reachable before it is ready."""
        base = callee_base(call) if isinstance(call.func, ast.Attribute) else None
        if base is None or (isinstance(base, ast.Name) and base.id == self.names.self_name):
            used: set[str] = set()
        else:
            used = {text(n) for n in ast.walk(base) if isinstance(n, (ast.Name, ast.Attribute, ast.Subscript))}
        for s in self.before(stmt):
            if not isinstance(s, (ast.Assign, ast.AnnAssign)):
                continue
            targets = s.targets if isinstance(s, ast.Assign) else [s.target]
            for t in targets:
                if not isinstance(t, (ast.Attribute, ast.Subscript)):
                    continue
                value = s.value
                if text(t) in used or (isinstance(value, ast.Name) and value.id in used):
                    return reasons.publish_then_initialise(self.facts.show(t, 40), s.lineno, self.facts.show(call))
                if isinstance(t, ast.Attribute) and isinstance(value, ast.Constant) and value.value is True:
                    return reasons.publish_then_initialise(self.facts.show(t, 40), s.lineno, self.facts.show(call))
        return None


def _names_only(target: ast.expr) -> bool:
    if isinstance(target, ast.Name):
        return True
    if isinstance(target, (ast.Tuple, ast.List)):
        return all(_names_only(e.value if isinstance(e, ast.Starred) else e) for e in target.elts)
    return False


def _rw_pair(read: str, write: str) -> bool:
    """`get`/`set`, `read_balance`/`write_balance`, `load`/`save`: a read and the write that stores it back."""
    r, w = set(words(read)), set(words(write))
    return read != write and bool(r & _READ_WORDS) and bool(w & _WRITE_WORDS)


def _reads(node: Optional[ast.AST]) -> set[str]:
    if node is None:
        return set()
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
