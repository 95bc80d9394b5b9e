"""What a spawned task is *for*: does it belong to the function that spawns it, or must it outlive it?

The cancel guard (unsafe) is right only where the code proves the task belongs to its spawner's scope:

- a stop signal: the spawner already ends the task by setting an Event it passed it (`done.set()`),
  only not on every way out;
- a scoped resource: the task uses a name the spawner's own `with` / `async with` binds and closes;
- an endless helper: the coroutine, defined in this file, loops forever (`while True:` with no break or
  return), nothing holds the task, and the spawner is not one that starts things and returns.

Evidence that the task must outlive its spawner, checked first: the spawner waits for the task to
signal readiness (`await ready.wait()` on an event it passed it); the spawner is a starter (`start()`,
`connect()`, `serve()`, `setup()`...) that returns without serving a loop; nothing is awaited after the
spawn; the task is a fire-and-forget notification (`notify`, `broadcast`, `publish`, `send`, `on_*`...);
a done-callback consumes its result. Everything else is ambiguous, and ambiguity is never resolved by
cancelling: such a task is only kept alive (the safe fix) and reported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from . import reasons
from .facts import CALLBACK_METHOD, COMPREHENSION
from .flow import awaits_after, is_true, may_await
from .ownership import Tree, dotted, first_arg, methods_of, root_name, walk

CANCEL = "cancel"  # the cancel guard: the task is cancelled when its scope exits
STOP = "stop"  # the cancel guard through the spawner's own stop signal: `stop.set()` on every way out
KEEP = "keep"  # the keep-alive fix: a strong reference the task leaves when done
SKIP = "skip"  # report only
LEAVE = "leave"  # nothing to do

STARTER_WORDS = frozenset({
    "start", "started", "startup", "connect", "reconnect", "open", "serve", "listen", "launch", "setup", "init",
    "initialize", "boot", "begin", "enable", "activate", "install", "attach", "subscribe", "spawn", "schedule",
    "ready", "added", "aenter", "register", "login", "resume", "restart",
})
FAN_OUT_WORDS = frozenset({
    "notify", "notification", "notifications", "broadcast", "publish", "emit", "announce", "send", "deliver",
    "fire", "signal", "alert", "log", "record", "report", "track", "audit", "push", "post", "forward", "relay",
    "inform", "propagate", "trigger", "hook", "callback", "callbacks", "event", "events", "listener", "subscriber",
})
END_WORDS = frozenset({"closed", "forever", "join", "finished", "stopped", "terminated", "disconnected", "until"})
FIRE_AND_FORGET_COMMENT = re.compile(r"fire[ -]and[ -]forget|detach", re.I)
KNOWN_COROUTINES = frozenset(
    f"asyncio.{name}" for name in (
        "sleep", "wait_for", "wait", "open_connection", "start_server", "to_thread", "create_subprocess_exec",
        "create_subprocess_shell", "open_unix_connection", "start_unix_server",
    )
)


@dataclass
class Verdict:
    action: str
    text: str = ""  # CANCEL: the evidence; KEEP: the pattern; SKIP: the reason
    skip: str = ""  # KEEP: the finding reported beside the fix (an ambiguous lifetime)
    stop: str = ""  # STOP: the event's name
    evidence: str = ""  # CANCEL: "endless" or "scoped"


def words(name: str) -> list[str]:
    """`async_setup_entry` -> [async, setup, entry]; `startServer` -> [start, server]."""
    name = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name.strip("_"))
    return [w.lower() for w in name.split("_") if w]


def coroutine_def(tree: Tree, coro: cst.BaseExpression | None, func: cst.FunctionDef | None) -> cst.FunctionDef | None:
    """The `async def` a coroutine call runs, when this file defines it: a module-level or nested
    function, or a method of the spawner's own class called on self/cls."""
    if not isinstance(coro, cst.Call):
        return None
    callee = coro.func
    if isinstance(callee, cst.Name):
        scope = tree.scopes.get(callee)
        if scope is None:
            return None
        found = [a.node for a in scope[callee.value] if hasattr(a, "node")]
        if len(found) == 1 and isinstance(found[0], cst.FunctionDef) and found[0].asynchronous is not None:
            return found[0]
        return None
    if isinstance(callee, cst.Attribute) and isinstance(callee.value, cst.Name) and callee.value.value in ("self", "cls"):
        cls = tree.enclosing_class(func) if func is not None else None
        method = methods_of(cls).get(callee.attr.value) if cls is not None else None
        if method is not None and method.asynchronous is not None:
            return method
    return None


def is_coroutine_call(tree: Tree, coro: cst.BaseExpression | None, func: cst.FunctionDef | None) -> bool:
    if not isinstance(coro, cst.Call):
        return False
    return coroutine_def(tree, coro, func) is not None or bool(tree.qualnames(coro.func) & KNOWN_COROUTINES)


def is_endless(fdef: cst.FunctionDef) -> bool:
    """The coroutine never returns on its own: a top-level `while True:` it never breaks out of, no return."""
    if any(isinstance(n, cst.Return) for n in walk(fdef.body, into_scopes=False)):
        return False
    stmts = list(fdef.body.body) if isinstance(fdef.body, cst.IndentedBlock) else []
    while stmts:
        stmt = stmts.pop(0)
        if isinstance(stmt, (cst.Try, cst.TryStar, cst.With)):
            stmts = list(stmt.body.body) + stmts  # type: ignore[attr-defined]
        elif isinstance(stmt, cst.While) and is_true(stmt.test) and not _breaks(stmt):
            return True
    return False


def _breaks(loop: cst.While) -> bool:
    stack = list(loop.body.children)
    while stack:
        cur = stack.pop()
        if isinstance(cur, cst.Break):
            return True
        if isinstance(cur, (cst.For, cst.While, cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        stack.extend(cur.children)
    return False


def passed_names(tree: Tree, coro: cst.BaseExpression | None, coro_def: cst.FunctionDef | None, func: cst.FunctionDef) -> set[str]:
    """The spawner's names the task can see: roots of the coroutine call's arguments, the names a
    nested coroutine reads from the spawner, and `self` when the task runs a method of the object."""
    names: set[str] = set()
    if isinstance(coro, cst.Call):
        for arg in coro.args:
            for node in walk(arg.value):
                if isinstance(node, cst.Name):
                    names.add(node.value)
        if isinstance(coro.func, cst.Attribute):
            root = root_name(coro.func.value)
            if root is not None:
                names.add(root)
    if coro_def is not None and _inside(tree, coro_def, func):
        names.update(n.value for n in walk(coro_def.body) if isinstance(n, cst.Name))
    return names


def _inside(tree: Tree, node: cst.CSTNode, ancestor: cst.CSTNode) -> bool:
    cur = tree.parent(node)
    while cur is not None:
        if cur is ancestor:
            return True
        cur = tree.parent(cur)
    return False


def awaits_readiness(tree: Tree, func: cst.FunctionDef, call: cst.Call, names: set[str]) -> bool:
    """After the spawn, the spawner waits on something the task can signal: `await ready.wait()`,
    `await asyncio.wait_for(self._started.wait(), 5)`, `await listening` (a future it passed on)."""
    for node in walk(func.body, into_scopes=False):
        if not isinstance(node, cst.Await) or not tree.is_after(node, call):
            continue
        value = node.expression
        if isinstance(value, (cst.Name, cst.Attribute)) and root_name(value) in names:
            return True
        for sub in walk(value):
            if (
                isinstance(sub, cst.Call)
                and isinstance(sub.func, cst.Attribute)
                and sub.func.attr.value == "wait"
                and root_name(sub.func.value) in names
            ):
                return True
    return False


def runs_on(tree: Tree, func: cst.FunctionDef, call: cst.Call) -> bool:
    """The spawner runs on after the spawn, for as long as what it serves: a loop that awaits (after
    the spawn or around it), or an await of the end (`await conn.closed()`, `server.serve_forever()`)."""
    for node in walk(func.body, into_scopes=False):
        if isinstance(node, (cst.For, cst.While)) and may_await(node) and (tree.is_after(node, call) or _inside(tree, call, node)):
            return True
        if isinstance(node, cst.Await) and tree.is_after(node, call) and isinstance(node.expression, cst.Call):
            if END_WORDS & set(words(dotted(node.expression.func).replace(".", "_"))):
                return True
    return False


def stop_signal(tree: Tree, func: cst.FunctionDef, call: cst.Call, names: set[str]) -> tuple[str, bool] | None:
    """(`done`, managed) when the spawner calls `done.set()` after the spawn on an Event the task sees;
    managed: it already does so on the ways out it cares about (in a `finally`, or through
    `stack.callback(done.set)`)."""
    found = None
    for node in walk(func.body, into_scopes=False):
        if not isinstance(node, cst.Call) or not isinstance(node.func, cst.Attribute):
            continue
        target = node.func.value
        if not isinstance(target, cst.Name) or target.value not in names:
            continue
        if node.func.attr.value == "set" and not node.args and tree.is_after(node, call):
            if _in_finally(tree, node):
                return target.value, True  # the function's own error-path handling: it has thought of it
            found = target.value
    if found is not None:
        for node in walk(func.body, into_scopes=False):
            if (
                isinstance(node, cst.Call)
                and isinstance(node.func, cst.Attribute)
                and node.func.attr.value == "callback"
                and any(dotted(a.value) == f"{found}.set" for a in node.args)
            ):
                return found, True
        return found, False
    return None


def _in_finally(tree: Tree, node: cst.CSTNode) -> bool:
    cur, child = tree.parent(node), node
    while cur is not None and not isinstance(cur, cst.FunctionDef):
        if isinstance(cur, (cst.Try, cst.TryStar)) and child is cur.finalbody:
            return True
        child, cur = cur, tree.parent(cur)
    return False


def scoped_resource(tree: Tree, func: cst.FunctionDef, call: cst.Call, names: set[str]) -> str | None:
    """A name the task uses that a `with`/`async with` around the spawn binds (and closes at its end)."""
    cur, child = tree.parent(call), call
    while cur is not None and cur is not func:
        if isinstance(cur, cst.With) and child is cur.body:
            for item in cur.items:
                if item.asname is not None and isinstance(item.asname.name, cst.Name) and item.asname.name.value in names:
                    return item.asname.name.value
        child, cur = cur, tree.parent(cur)
    return None


def fan_out_callee(coro: cst.BaseExpression | None) -> str | None:
    """`member.notify` when the coroutine is a notification, a broadcast, a log record, a listener..."""
    if not isinstance(coro, cst.Call):
        return None
    text = dotted(coro.func)
    last = text.rsplit(".", 1)[-1] if text else ""
    ws = words(last)
    if ws and (ws[0] == "on" or FAN_OUT_WORDS & set(ws)):
        return text
    return None


def says_fire_and_forget(tree: Tree, call: cst.Call) -> bool:
    """The spawn's line, or a comment line right above it, calls it fire-and-forget or detached."""
    line = tree.line_of(call)
    if not isinstance(line, cst.SimpleStatementLine):
        return False
    comments = [line.trailing_whitespace.comment] + [e.comment for e in line.leading_lines]
    return any(c is not None and FIRE_AND_FORGET_COMMENT.search(c.value) for c in comments)


def own_coroutine(tree: Tree, coro: cst.BaseExpression | None, func: cst.FunctionDef) -> bool:
    return (
        isinstance(coro, cst.Call)
        and isinstance(coro.func, cst.Attribute)
        and isinstance(coro.func.value, cst.Name)
        and coro.func.value.value in ("self", "cls")
        and tree.enclosing_class(func) is not None
    )


def judge(tree: Tree, call: cst.Call, func: cst.FunctionDef, kind: str) -> Verdict:
    """The decision for one unowned spawn in an async function (`kind`: bare, local, callback, comprehension)."""
    name = func.name.value
    coro = first_arg(call)
    if tree.is_ensure_future(call) and not is_coroutine_call(tree, coro, func):
        arg = reasons.short_code(tree.code(coro)) if coro is not None else "..."
        return Verdict(SKIP, reasons.NOT_A_COROUTINE.format(arg=arg))
    if kind == CALLBACK_METHOD:
        # a done-callback consumes the result: never cancelled, unless the task has no result to consume
        # (it loops forever) or is ended the way the function already ends it (its stop Event)
        verdict = judge(tree, call, func, "local")
        if verdict.action == STOP or (verdict.evidence == "endless"):
            return verdict
        return Verdict(KEEP, reasons.DONE_CALLBACK.format(func=name))
    callee = fan_out_callee(coro)
    if kind == COMPREHENSION:
        if callee:
            return Verdict(KEEP, reasons.FAN_OUT.format(callee=callee, func=name))
        return Verdict(KEEP, "their lifetime is ambiguous", skip=reasons.COMPREHENSION_AMBIGUOUS.format(func=name))
    coro_def = coroutine_def(tree, coro, func)
    names = passed_names(tree, coro, coro_def, func)
    if says_fire_and_forget(tree, call):
        return Verdict(KEEP, reasons.COMMENTED.format(func=name))
    if awaits_readiness(tree, func, call, names):
        return Verdict(KEEP, reasons.READINESS.format(func=name))
    if STARTER_WORDS & set(words(name)) and not runs_on(tree, func, call):
        return Verdict(KEEP, reasons.STARTER.format(func=name))
    line = tree.line_of(call)
    if line is None or not awaits_after(tree, call, line, func):
        return Verdict(KEEP, reasons.NO_AWAIT.format(func=name))
    stop = stop_signal(tree, func, call, names)
    if stop is not None:
        event, managed = stop
        if managed:
            return Verdict(LEAVE, reasons.MANAGED.format(func=name, stop=event))
        return Verdict(STOP, reasons.STOP_EVENT.format(func=name, stop=event), stop=event)
    own = own_coroutine(tree, coro, func)
    if coro_def is not None and is_endless(coro_def) and not (own and not coro.args):  # type: ignore[union-attr]
        code = reasons.short_code(tree.code(coro.func))  # type: ignore[union-attr]
        return Verdict(CANCEL, reasons.ENDLESS.format(coro=code, func=name), evidence="endless")
    resource = scoped_resource(tree, func, call, names)
    if resource is not None:
        return Verdict(CANCEL, reasons.SCOPED.format(name=resource, func=name), evidence="scoped")
    if callee:
        return Verdict(KEEP, reasons.FAN_OUT.format(callee=callee, func=name))
    if own:
        code = reasons.short_code(tree.code(coro))  # type: ignore[arg-type]
        return Verdict(KEEP, "it belongs to the object", skip=reasons.OWN_COROUTINE.format(coro=code, func=name))
    return Verdict(KEEP, "its lifetime is ambiguous", skip=reasons.AMBIGUOUS.format(func=name))
