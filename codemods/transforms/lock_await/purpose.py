"""What a lock is for, read from the module: its kind, who reads its `locked()`, a Condition built on
it, its comments, its name, and the names of the methods that take it. Any of these keeps the
notifications under it where they are."""

from __future__ import annotations

import re
from typing import Optional

from . import reasons
from .analysis import _LOCK_WORDS, NOTIFY_WORDS
from .facts import FunctionFacts, Lock, ModuleFacts, short, words

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
