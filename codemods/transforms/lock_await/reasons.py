"""The texts of lock-await's skips: each names the pattern that keeps an await under its lock.

One function per pattern, so that `codemod explain lock-await` (the doc in ``__init__``), the tests and
the corpus headers all speak of the same things.
"""

from __future__ import annotations

# -- the lock as a whole ---------------------------------------------------------------------------


def semaphore(lock: str) -> str:
    return f"`{lock}` is a semaphore: it exists to bound how many tasks run this await at once"


def several_managers() -> str:
    return "the `with` statement holds several context managers; not rewritten"


def one_line(header: str) -> str:
    return f"written on one line with {header} (or joined with `;`); not rewritten"


def releases_inside(header: str, lock: str) -> str:
    return f"{header} releases or acquires `{lock}` itself inside the block; not rewritten"


def acquire_release(lock: str, line: int, release: int | None) -> str:
    until = f"`release()` at line {release}" if release else "no `release()` in the same block"
    return (
        f"`{lock}.acquire()` (line {line}) holds the lock across this await ({until}): acquire()/release() pairs "
        "are reported, not rewritten (an `async with` block would let lock-await read the critical section)"
    )


def locked_read(lock: str, line: int) -> str:
    return (
        f"`{lock}.locked()` is read at line {line}: other code watches whether the lock is held (overrun "
        "detection), so the awaits it guards stay under it"
    )


def condition(lock: str, cond: str) -> str:
    if cond == lock:
        return f"`{lock}` is a Condition: a callee that notifies or waits on it needs the lock held"
    return f"`{lock}` backs the Condition `{cond}`: a callee that notifies it needs the lock held"


def documented(lock: str, line: int, comment: str) -> str:
    return (
        f"the comment at line {line} says what `{lock}` is for (\"{comment}\"): it serialises calls or I/O "
        "(a lock documented to prevent parallel calls), so the awaits stay under it"
    )


def lifecycle(lock: str, methods: list[str]) -> str:
    names = ", ".join(f"`{m}()`" for m in methods[:3])
    return (
        f"`{lock}` serialises a lifecycle (taken by {names}): moved out, this call could run after or during "
        "that transition (connect/disconnect, start/stop, reload, subscribe/unsubscribe)"
    )


def named_for(lock: str, word: str) -> str:
    return f"`{lock}` is named for an operation ({word}): it serialises that operation or a device's I/O, so the awaits stay under it"


def serializes(header: str, bookkeeping: int | None) -> str:
    extra = f" (and bookkeeping such as line {bookkeeping})" if bookkeeping else ""
    return (
        f"{header} holds the lock only around its awaits{extra}: the lock serializes them, so they stay"
    )


# -- one await -------------------------------------------------------------------------------------


def not_a_notification(call: str) -> str:
    return (
        f"`await {call}` is not an external notification (observer, listener or callback): the lock may exist "
        "to make it atomic against other tasks"
    )


def owner_operation(call: str, lock: str) -> str:
    return (
        f"`await {call}` is an operation of the object that owns `{lock}`: the lock may exist to serialize it"
    )


def named_after(lock: str, call: str, word: str) -> str:
    return f"`{lock}` is named after the awaited `{call}` ({word}): it exists to serialize that operation"


def on_lock(call: str, header: str) -> str:
    return f"`await {call}` releases the condition while it waits and must run inside {header}"


def uses_lock(lock: str) -> str:
    return f"uses the lock `{lock}` itself"


def spacing_sleep(call: str) -> str:
    return (
        f"`await {call}` is a spacing sleep: the lock spaces the calls it guards (a rate limiter), so the sleep "
        "stays under it"
    )


def read_modify_write(name: str, read_line: int, write_line: int) -> str:
    return (
        f"read-modify-write: `{name}` read at line {read_line} is written back at line {write_line} under the lock; "
        "another task in between would lose an update"
    )


def single_flight(target: str, line: int) -> str:
    return (
        f"single-flight load: the lock makes other callers wait for this load of `{target}` (line {line}) instead "
        "of starting their own (a cache stampede)"
    )


def init_once(flag: str, line: int) -> str:
    return (
        f"init-once: the lock makes the first caller finish this setup before any other caller checks `{flag}` "
        f"(line {line})"
    )


def check_then_act(test: str, line: int) -> str:
    return (
        f"check-then-act: the test `{test}` (line {line}) and this await must run without another task in between"
    )


def result_stored(target: str, line: int) -> str:
    return f"its result is stored in `{target}` (line {line}) under the lock: other tasks must not see the state before it"


def result_used(name: str, line: int) -> str:
    return f"its result `{name}` is used inside the critical section (line {line})"


def result_returned() -> str:
    return "its result is returned from inside the critical section"


def frame(receiver: str, lines: list[int]) -> str:
    at = ", ".join(str(n) for n in lines)
    return (
        f"one frame written in several awaits on `{receiver}` (lines {at}): the lock keeps frames whole, so the "
        "writes stay under it"
    )


def publish_then_initialise(target: str, line: int, call: str) -> str:
    return (
        f"publish-then-initialise: `{target}` is published at line {line} before `await {call}` finishes; moved "
        "out, other callers would reach a half-built object"
    )


def guards(line: int) -> str:
    return (
        f"its exception or completion guards the statements after it (line {line}): an await whose failure "
        "must stop the rest of the block stays (moved, the rest would run even when it raised)"
    )


def callee_reassigned(callee: str, line: int) -> str:
    return (
        f"the callee `{callee}` is state too: it is reassigned at line {line}, after this await; moved, the call "
        "would reach the other function"
    )


def collected_loop(loop_line: int, state_line: int) -> str:
    return (
        f"runs once per iteration of the loop at line {loop_line}, after state changes (line {state_line}): if one "
        "call raised, the later iterations would not have run, so collecting the calls after the block would "
        "change what has happened (collect first, then notify in a loop of its own)"
    )


def while_loop(line: int) -> str:
    return (
        f"inside a `while` loop (line {line}) whose condition may depend on the await's progress: collecting the "
        "awaits out of it could make the loop never end"
    )


def loop_reads_state(expr: str) -> str:
    return f"the loop reads `{expr}` on every iteration: once the lock is released, other tasks may change it"


def condition_not_local(test: str) -> str:
    return f"the `if` around it tests `{test}`, state the lock protects; not moved"


def in_try(header: str) -> str:
    return f"inside `try` within {header}: moving it would change which handler sees its exceptions"


def nested_lock(lock: str, other: str) -> str:
    return f"under two locks (`{lock}` and `{other}`): nested locks are not rewritten"


def nested_with(what: str, header: str) -> str:
    return f"inside a nested `{what}` within {header}; not moved"


def async_for(header: str) -> str:
    return f"`async for` awaits on every iteration inside {header}; not moved"


def inside_async_for(header: str) -> str:
    return f"inside `async for` within {header}; not moved"


def async_with(header: str) -> str:
    return f"a nested `async with` inside {header}; not moved"


def second_lock(other: str, header: str) -> str:
    return f"takes a second lock `{other}` inside {header}: nested locks are not rewritten"


def async_comprehension(header: str) -> str:
    return f"an async comprehension inside {header}; not moved"


def in_match(header: str) -> str:
    return f"inside `match` within {header}; not moved"


def nested_await() -> str:
    return "nested inside another await; not moved"


def not_alone(header: str) -> str:
    return f"not a statement of its own (`await f(...)` alone on a line) inside {header}; not moved"
