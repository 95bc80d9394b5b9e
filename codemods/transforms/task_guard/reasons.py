"""Every message task-guard prints: what a fix did and why it has its safety, and why a spawn was left alone.

A reason names the pattern a reviewer recognises (a server started by `start()`, fire-and-forget fan-out,
a done-callback that consumes the result...), so that a skip reads as a finding, not as a shrug.
"""

from __future__ import annotations

# -- the lifetime patterns: why a task is not cancelled when its spawner returns -----------------------------

READINESS = "a server or worker that {func}() starts and waits for until it signals readiness: it is meant to outlive {func}()"
STARTER = "started by {func}(), which starts things and returns: the task is meant to outlive {func}()"
NO_AWAIT = (
    "nothing is awaited after the spawn, so a cancel guard would cancel the task before it ever ran: "
    "it is meant to outlive {func}()"
)
FAN_OUT = "fire-and-forget fan-out (`{callee}`): meant to finish on its own after {func}() returns"
DONE_CALLBACK = "its done-callback consumes the result, so the task belongs to that callback, not to {func}()"
SYNC = "spawned in a sync function, which cannot wait for it: the task must outlive {func}()"
COMMENTED = "its comment calls it fire-and-forget: it is meant to outlive {func}()"
MANAGED = "{func}() already ends it with `{stop}.set()` on every way out"

# -- the evidence that a task belongs to its spawner (the cancel guard) --------------------------------------

ENDLESS = "`{coro}` loops forever and nothing else holds the task: it can only be meant to live while {func}() runs"
SCOPED = "it uses `{name}`, which {func}() closes when its `with` block ends"
STOP_EVENT = "{func}() ends it itself by setting `{stop}`, but only on the way out that reaches `{stop}.set()`"

# -- change messages and the reason for their safety ---------------------------------------------------------

CANCELLED = "task `{var}` is now cancelled when {func}() exits"
CANCELLED_WHY = (
    "unsafe: the task used to outlive {func}(); it is now cancelled when {func}() returns or raises, "
    "because {evidence}"
)
STOPPED = "the task of `{coro}` now ends when {func}() exits: `{stop}.set()` runs on every way out, as {func}() already ends it"
STOPPED_WHY = (
    "unsafe: when {func}() raises or is cancelled before `{stop}.set()`, the task used to run on; "
    "now it is told to stop the way {func}() stops it on its normal way out"
)
SELF_CANCELLED = "task `self.{attr}` is now cancelled in {where}"
SELF_CANCELLED_WHY = (
    "unsafe: the task is stored on the object and nothing else uses it; it used to outlive {where}, "
    "which ends the object's life, and is now cancelled there"
)
KEPT = "task `{var}` is now kept alive until it finishes (a strong reference in `{tasks}`): {pattern}, so it is not cancelled"
KEPT_COMPREHENSION = (
    "the tasks of a comprehension whose list is thrown away are now kept alive until they finish "
    "(strong references in `{tasks}`): {pattern}, so they are not cancelled"
)
KEPT_WHY = (
    "safe: the event loop keeps only weak references to tasks, so a task nothing references can be "
    "garbage-collected mid-run (RUF006); a set the task leaves when it is done keeps it, and changes nothing else"
)
TASK_SET_ADDED = "added `{tasks} = set()`, the strong references that keep the file's background tasks alive until they finish"
IMPORT_ADDED = "added `{code}` for the cancel guards"
IMPORT_WHY = "unsafe, with the cancel guards that need it: it is accepted or declined with them, as one unit"
TASK_SET_WHY = "safe: the set the keep-alive fixes of this file add their tasks to; it goes with them, as one unit"

# -- left alone ------------------------------------------------------------------------------------------------

AMBIGUOUS = (
    "the intended lifetime of the task is ambiguous: nothing shows that it belongs to {func}() (no stop signal, "
    "resource or endless helper ties it there), nor that it must outlive it, so it is not cancelled when {func}() "
    "exits; if it belongs to {func}(), cancel it there by hand"
)
OWN_COROUTINE = (
    "the task runs `{coro}`, a coroutine of the object itself: it probably belongs to the object, not to this "
    "call of {func}() (a lifecycle task that later methods talk to), so it is not cancelled when {func}() exits; "
    "store it on self and cancel it where the object closes"
)
COMPREHENSION_AMBIGUOUS = (
    "spawned in a comprehension whose list is thrown away: the intended lifetime of these tasks is ambiguous, "
    "so they are not cancelled when {func}() exits; if they belong to {func}(), keep the list and cancel them there"
)
COMPREHENSION_SHAPE = (
    "spawned in a comprehension whose list is thrown away, on a line the transform cannot rewrite; keep the "
    "tasks (a set they leave when done) by hand"
)
GENERATOR = "a generator expression that is never iterated: it spawns no task at all; make it a list, or a loop"
NOT_A_COROUTINE = (
    "ensure_future() of `{arg}`, which is not known to be a coroutine call: it may return a Future somebody else "
    "owns (ensure_future returns a future as it is), so it is neither cancelled nor kept here; check by hand"
)
UNKNOWN_RECEIVER = (
    "`{receiver}.create_task(...)`: `{receiver}` is not known to be an asyncio event loop (a TaskGroup or another "
    "library's scheduler would own the task), and nothing keeps the task; check by hand that something does"
)
MODULE = "spawned at module level: there is no function scope to tie the task to; give it an owner by hand"
CLASS_BODY = "spawned in a class body: there is no function scope to tie the task to; give it an owner by hand"
GLOBAL = "stored in a {kind} variable: its owner is outside this function; check by hand that something cancels it"
UNKNOWN_USE = "the task is used in {where}, which the transform does not follow; check by hand that something keeps and cancels it"
ONE_LINE = "the body of {func}() is on the same line as its def, so the cancel guard cannot wrap it; guard it by hand"
NAME_TAKEN = "`{name}` already means something else in {func}(), so the cancel guard cannot be added; guard it by hand"
SELF_CLOSE_IS_SPAWNER = "stored on self and spawned in {where} itself: cancel it where the object closes, by hand"
SELF_UNSET = (
    "stored on self, but {cls}.__init__() does not set self.{attr}, so {where} could run before it exists; "
    "cancel it there by hand"
)
SELF_NO_CLOSE = (
    "stored on self, and {cls} has no aclose()/close()/stop()/__aexit__() that could cancel it; give the class "
    "an owner method that cancels it"
)
SELF_CLOSE_REUSED = (
    "stored on self, but {where} is also called by {callers}, which does not start the task again: a cancel in "
    "{close}() would stop it on every {first}() (a keep-alive that must survive reconnects); cancel it where the "
    "object really closes, by hand"
)

EXPRESSION_NAMES = {
    "IfExp": "a conditional expression",
    "NamedExpr": "an assignment expression (:=)",
    "BooleanOperation": "an `and`/`or`",
    "Attribute": "an attribute access on the new task",
    "Assign": "a multiple or unpacking assignment",
    "AnnAssign": "an unpacking assignment",
    "Comparison": "a comparison",
    "Index": "a subscript",
    "Subscript": "a subscript",
    "WithItem": "a `with` item",
    "If": "an `if` test",
    "While": "a `while` test",
    "For": "a `for` loop header",
}


def expression_name(kind: str) -> str:
    return EXPRESSION_NAMES.get(kind, f"an expression ({kind})")


def short_code(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
