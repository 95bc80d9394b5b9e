"""lock-await: what moves (before/after), what stays (the reason names the pattern), fix safety and
suppressions, the index's prediction, and programs that print the same before and after."""

from __future__ import annotations

import ast
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import libcst as cst

from codemods.engine import apply_to_source, rewrite_module
from codemods.model import UNSAFE
from codemods.transforms import registry
from codemods.transforms.base import SourceInfo
from codemods.transforms.lock_await import LockAwait
from codemods.transforms.lock_await.facts import words

from .conftest import GOLDEN, ROOT

HEADER = "import asyncio\n\n\n"
CORPUS = ROOT / "tests" / "corpus" / "lock-await"


def dedent(text: str) -> str:
    return textwrap.dedent(text)


def run(src: str, unsafe: bool = True, **options):
    t = LockAwait(options or None)
    t.allow_unsafe = unsafe
    result = apply_to_source([t], dedent(src))
    assert not result.errors, result.errors
    return result


def fix(src: str, **options) -> str:
    return run(src, **options).new_text


def reasons(src: str, **options) -> list[str]:
    return [s.reason for s in run(src, **options).skips]


def _index(src: str):
    src = dedent(src)
    return LockAwait().index(SourceInfo("m.py", "m", False, src), ast.parse(src))


# --------------------------------------------------------------------------------------------
# registration, docs, fix safety


def test_registered_with_ruff_style_doc_naming_every_pattern():
    cls = registry()["lock-await"]
    assert cls is LockAwait
    assert cls.rules == ("CM101",) and cls.fix_safety == UNSAFE
    doc = cls.doc()
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety", "## When it leaves an await alone"):
        assert heading in doc
    for pattern in (
        "read-modify-write", "check-then-act", "init-once", "single-flight", "frame", "spacing sleep",
        "exception or completion guards", "`while` loop", "Condition", "callee is state", "acquire()",
        "publish-then-initialise", "lifecycle", "parallel calls", "locked()", "bookkeeping", "semaphore",
    ):
        assert pattern in doc, pattern
    assert "the lock is released before the callback runs" in doc
    assert "\n" not in cls.summary


def test_explain_prints_the_doc():
    out = subprocess.run(
        [sys.executable, "-m", "codemods", "explain", "lock-await"], capture_output=True, text=True, cwd=ROOT
    )
    assert out.returncode == 0, out.stderr
    assert "## Fix safety" in out.stdout and "unsafe" in out.stdout and "lock-patterns" in out.stdout


def test_unknown_option_is_rejected():
    with pytest.raises(ValueError, match="lock-patterns"):
        LockAwait({"lock-pattern": ["*"]})


REMOVE = HEADER + dedent(
    """\
    class Store:
        def __init__(self, observer):
            self._lock = asyncio.Lock()
            self._data = {}
            self._observer = observer

        async def remove(self, key):
            async with self._lock:
                value = self._data.pop(key)
                # tell them
                await self._observer.on_evict(key, value)
                return value
    """
)


def test_a_fix_is_unsafe_with_why_unit_and_span():
    result = run(REMOVE)
    assert result.new_text == REMOVE.replace(
        "            # tell them\n            await self._observer.on_evict(key, value)\n            return value\n",
        "        # tell them\n        await self._observer.on_evict(key, value)\n        return value\n",
    )
    (change,) = result.changes
    assert change.safety == UNSAFE
    assert (change.line, change.col, change.end_line) == (14, 13, 14)
    assert change.end_col == 13 + len("await self._observer.on_evict(key, value)")
    assert "the lock is released before the observer `self._observer` runs" in change.why
    assert change.unit == "lock-await:mod.py:11"
    assert "the observer `self._observer` now runs after the lock is released" in change.message


def test_unsafe_fix_is_held_back_when_not_allowed():
    result = run(REMOVE, unsafe=False)
    assert result.new_text == REMOVE and not result.changes
    assert [c.safety for c in result.held] == [UNSAFE]


@pytest.mark.parametrize("code", ["lock-await", "CM101"])
def test_a_suppressed_await_stays_and_what_it_guards_stays_too(code):
    src = HEADER + dedent(
        f"""\
        class Store:
            def __init__(self, observer):
                self._lock = asyncio.Lock()
                self._data = {{}}
                self._observer = observer

            async def remove(self, key):
                async with self._lock:
                    value = self._data.pop(key)
                    await self._observer.on_evict(key)
                    await self._observer.on_size(len(self._data))  # codemod: ignore[{code}]
        """
    )
    result = run(src)
    assert result.new_text == src
    assert [c.line for c in result.suppressed] == [14]
    assert [s.line for s in result.skips] == [13] and "guards the statements after it (line 14)" in result.skips[0].reason


# --------------------------------------------------------------------------------------------
# what moves: the seed's shapes


def test_collected_eviction_at_the_end_of_an_if():
    src = HEADER + dedent(
        """\
        class Cache:
            def __init__(self, on_evict):
                self._lock = asyncio.Lock()
                self._entries = {}
                self._on_evict = on_evict

            async def put(self, key, value):
                async with self._lock:
                    self._entries[key] = value
                    if len(self._entries) > 2:
                        old_key = next(iter(self._entries))
                        old = self._entries.pop(old_key)
                        await self._on_evict(old_key, old.size)
        """
    )
    assert fix(src) == src.replace(
        "        async with self._lock:\n", "        pending_evict = []\n        async with self._lock:\n"
    ).replace(
        "                await self._on_evict(old_key, old.size)\n",
        "                pending_evict.append((old_key, old.size))\n"
        "        for old_key, size in pending_evict:\n            await self._on_evict(old_key, size)\n",
    )


def test_a_notify_only_loop_moves_over_a_copy_with_its_shared_reads_captured():
    src = HEADER + dedent(
        """\
        class Feed:
            def __init__(self):
                self._lock = asyncio.Lock()
                self._listeners = []
                self._items = []
                self._version = 0

            async def publish(self, item):
                async with self._lock:
                    self._version += 1
                    self._items.append(item)
                    for listener in self._listeners:
                        await listener.on_item(item, self._version)
        """
    )
    assert fix(src).endswith(
        "            self._items.append(item)\n"
        "            listeners = list(self._listeners)\n"
        "            version = self._version\n"
        "        for listener in listeners:\n"
        "            await listener.on_item(item, version)\n"
    )


def test_the_second_moved_await_captures_callee_and_arguments_and_class_becomes_class_():
    """The known bug: a capture named `class` from `self._class` (verification dropped it, exit 2)."""
    src = HEADER + dedent(
        """\
        class Registry:
            def __init__(self, on_changed, on_class):
                self._lock = asyncio.Lock()
                self._class = "avro"
                self._items = {}
                self._on_changed = on_changed
                self._on_class = on_class

            async def add(self, name):
                async with self._lock:
                    self._items[name] = 1
                    await self._on_changed(name)
                    await self._on_class(self._class, len(self._items))
        """
    )
    result = run(src)
    assert result.new_text.endswith(
        "            self._items[name] = 1\n"
        "            on_class = self._on_class\n"
        "            class_ = self._class\n"
        "            items_count = len(self._items)\n"
        "        await self._on_changed(name)\n"
        "        await on_class(class_, items_count)\n"
    )
    compile(result.new_text, "m.py", "exec")


def test_a_whole_try_around_a_notification_moves():
    src = HEADER + dedent(
        """\
        class Buffer:
            def __init__(self, hook):
                self._lock = asyncio.Lock()
                self._points = []
                self._hook = hook

            async def flush(self, log):
                async with self._lock:
                    batch, self._points = self._points, []
                    try:
                        await self._hook.on_flush(batch)
                    except ValueError:
                        log.append("hook failed")
        """
    )
    # the handler changes an object it was given: not a local statement, so the `try` stays
    assert fix(src) == src and "inside `try`" in reasons(src)[0]
    src2 = src.replace('log.append("hook failed")', 'print("hook failed")')
    assert fix(src2).endswith(
        "            batch, self._points = self._points, []\n"
        "        try:\n            await self._hook.on_flush(batch)\n"
        "        except ValueError:\n            print(\"hook failed\")\n"
    )


def test_threading_lock_captures_shared_reads_even_for_the_first_await():
    src = dedent(
        """\
        import threading

        _LOCK = threading.Lock()
        _registry = {}


        async def install(name, handler, subscriber):
            with _LOCK:
                _registry[name] = handler
                await subscriber.on_event(name, _registry[name])
        """
    )
    assert fix(src).endswith(
        "        _registry[name] = handler\n        registry_item = _registry[name]\n"
        "    await subscriber.on_event(name, registry_item)\n"
    )


def test_lock_found_through_import_alias_annotation_and_dataclass_field():
    src = dedent(
        """\
        import asyncio as aio
        from dataclasses import dataclass, field
        from asyncio import Lock as Door


        @dataclass
        class Box:
            observer: object
            items: list = field(default_factory=list)
            _guard: aio.Lock = field(default_factory=aio.Lock)

            async def add(self, item):
                async with self._guard:
                    self.items.append(item)
                    await self.observer.on_add(item)


        class Room:
            def __init__(self, observer):
                self._door = Door()
                self._people = set()
                self._observer = observer

            async def enter(self, who):
                async with self._door:
                    self._people.add(who)
                    await self._observer.on_enter(who)


        async def update(gate: aio.Lock, state, listener):
            async with gate:
                state.append(1)
                await listener.on_update(len(state))
        """
    )
    result = run(src)
    assert len(result.changes) == 3, result.skips
    assert _index(src).blocks == ((13, 9), (25, 9), (31, 5))


def test_lock_patterns_option_replaces_the_defaults():
    src = HEADER + dedent(
        """\
        class Rooms:
            def __init__(self, guard, lock, observer):
                self._guard, self._lock, self._observer = guard, lock, observer
                self._members = {}

            async def join(self, room, user):
                async with self._guard:
                    self._members[room] = user
                    await self._observer.on_join(room, user)

            async def leave(self, room):
                async with self._lock:
                    self._members.pop(room)
                    await self._observer.on_leave(room)
        """
    )
    result = run(src, **{"lock-patterns": ["*guard*"]})
    assert [c.line for c in result.changes] == [12]
    assert "observer = self._observer" in result.new_text  # a lock of unknown type: captured
    assert [c.line for c in run(src).changes] == [17]


def test_second_run_changes_nothing_on_the_corpus_and_examples():
    for path in [*sorted(CORPUS.glob("*.py")), ROOT / "examples/service/cache.py"]:
        once = apply_to_source([LockAwait()], path.read_text()).new_text
        assert apply_to_source([LockAwait()], once).new_text == once, path.name


# --------------------------------------------------------------------------------------------
# what stays, and the reason names the pattern

SKIP_CASES = {
    "read-modify-write": """
        async def deposit(self, k, n):
            async with self._lock:
                self.count += 1
                v = await self._store.get(k)
                await self._store.set(k, v + n)
    """,
    "check-then-act": """
        async def once(self, k):
            async with self._lock:
                if k not in self._seen:
                    await self._client.send(k)
                self._seen.add(k)
    """,
    "init-once": """
        async def ready(self):
            async with self._lock:
                if not self._ready:
                    await self._db.create()
                    self._ready = True
    """,
    "single-flight load": """
        async def get(self, k):
            async with self._lock:
                if k not in self._cache:
                    self._cache[k] = await self._backend.load(k)
                return self._cache[k]
    """,
    "one frame written in several awaits": """
        async def send(self, head, body):
            async with self._lock:
                self.frames += 1
                await self._writer.write(head)
                await self._writer.write(body)
    """,
    "spacing sleep": """
        async def wait(self):
            async with self._lock:
                self._calls += 1
                await asyncio.sleep(self._interval)
    """,
    "guards the statements after it": """
        async def book(self, order):
            async with self._lock:
                await self._hook.before_book(order)
                self._booked.append(order)
    """,
    "runs once per iteration of the loop": """
        async def reap(self):
            async with self._lock:
                for k in list(self._sessions):
                    self._sessions.pop(k)
                    await self._observer.on_expire(k)
    """,
    "inside a `while` loop": """
        async def drain(self):
            async with self._lock:
                self._queue.append(1)
                while self._queue:
                    await self._observer.on_item(self._queue[0])
    """,
    "the callee `self._on_close` is state too": """
        async def finish(self):
            async with self._lock:
                self._buffer.clear()
                await self._on_close()
                self._on_close = None
    """,
    "publish-then-initialise": """
        async def session(self):
            async with self._lock:
                if self._session is None:
                    session = Session()
                    self._session = session
                    await session.initialize()
    """,
    "holds the lock only around its awaits (and bookkeeping": """
        async def notify(self, x):
            async with self._lock:
                self.count += 1
                await self._observer.on_x(x)
    """,
    "not an external notification": """
        async def save(self, k, v):
            async with self._lock:
                self._dirty.add(k)
                await self._db.write_row(k, v)
    """,
    "is an operation of the object that owns": """
        async def command(self, c):
            async with self._lock:
                self._sent.append(c)
                await self.flush()
    """,
    "releases the condition while it waits": """
        async def get(self):
            async with self._cond:
                await self._cond.wait()
                return self._items.pop()
    """,
    "inside `try`": """
        async def a(self):
            async with self._lock:
                self._items.append(1)
                try:
                    await self._observer.on_a()
                finally:
                    self._items.pop()
    """,
    "nested locks are not rewritten": """
        async def a(self):
            async with self._lock:
                self._items.append(1)
                async with self._other_lock:
                    await self._observer.on_a()
    """,
}


@pytest.mark.parametrize("pattern", list(SKIP_CASES))
def test_each_pattern_stays_with_its_reason(pattern):
    src = HEADER + dedent(
        """\
        class C:
            def __init__(self):
                self._lock = asyncio.Lock()
                self._other_lock = asyncio.Lock()
                self._cond = asyncio.Condition()
        """
    ) + textwrap.indent(dedent(SKIP_CASES[pattern]), "    ")
    result = run(src)
    assert result.new_text == src, result.new_text
    assert any(pattern in r for r in [s.reason for s in result.skips]), [s.reason for s in result.skips]


LOCK_PURPOSE = {
    "prevent parallel calls": """
        def __init__(self):
            # Lock to prevent parallel calls to the device
            self._lock = asyncio.Lock()
    """,
    "`self._lock.locked()` is read at line": """
        def __init__(self):
            self._lock = asyncio.Lock()
        def busy(self):
            return self._lock.locked()
    """,
    "backs the Condition `self._cond`": """
        def __init__(self):
            self._lock = asyncio.Lock()
            self._cond = asyncio.Condition(self._lock)
    """,
    "serialises a lifecycle (taken by `async_connect()`)": """
        def __init__(self):
            self._lock = asyncio.Lock()
        async def async_connect(self):
            async with self._lock:
                self._conn = 1
    """,
    "serialises a lifecycle (taken by `remove_listener()`)": """
        def __init__(self):
            self._lock = asyncio.Lock()
        async def remove_listener(self, listener):
            async with self._lock:
                self._listeners.remove(listener)
    """,
    "is named for an operation (update)": """
        def __init__(self):
            self._lock = self._update_lock = asyncio.Lock()
    """,
    "is a semaphore": """
        def __init__(self):
            self._lock = asyncio.Semaphore(3)
    """,
}


@pytest.mark.parametrize("pattern", list(LOCK_PURPOSE))
def test_what_a_lock_is_for_keeps_its_notifications(pattern):
    change = """
        async def change(self, value):
            async with {lock}:
                self._value = value
                await self._observer.on_change(value)
    """.format(lock="self._update_lock" if "update" in pattern else "self._lock")
    body = dedent(LOCK_PURPOSE[pattern]) + dedent(change)
    src = HEADER + "class Device:\n" + textwrap.indent(body, "    ")
    result = run(src)
    assert result.new_text == src
    assert any(pattern in s.reason for s in result.skips), [s.reason for s in result.skips]
    # and without that evidence the same notification moves
    plain = HEADER + "class Device:\n" + textwrap.indent(
        "def __init__(self):\n    self._lock = asyncio.Lock()\n" + dedent(change).replace("self._update_lock", "self._lock"), "    "
    )
    assert run(plain).changes


def test_acquire_release_pairs_are_reported_not_rewritten():
    src = HEADER + dedent(
        """\
        class Jobs:
            def __init__(self):
                self._lock = asyncio.Lock()

            async def finish(self, job):
                await self._lock.acquire()
                try:
                    self._done.append(job)
                    await self._listener.on_finished(job)
                finally:
                    self._lock.release()
                await self._listener.after(job)
        """
    )
    result = run(src)
    assert result.new_text == src
    assert [(s.line, s.reason.split(":")[0]) for s in result.skips] == [
        (12, "`self._lock.acquire()` (line 9) holds the lock across this await (`release()` at line 14)")
    ]


def test_one_line_blocks_and_several_managers_are_not_rewritten():
    src = HEADER + dedent(
        """\
        lock = asyncio.Lock()


        async def f(observer, items):
            async with lock: items.append(1); await observer.on_x()


        async def g(observer, items, other):
            async with lock, other:
                items.append(1)
                await observer.on_x()
        """
    )
    assert [s.reason for s in run(src).skips] == [
        "written on one line with `async with lock` (or joined with `;`); not rewritten",
        "the `with` statement holds several context managers; not rewritten",
    ]


# --------------------------------------------------------------------------------------------
# the index predicts what the rewrite reports


def test_index_finds_lock_blocks_with_awaits_only():
    facts = _index(
        """
        import asyncio
        class C:
            def __init__(self):
                self._state = asyncio.Lock()
            async def a(self):
                async with self._state:
                    await x()
            async def b(self):
                async with self._state:
                    y()
            def c(self):
                with self._lock:
                    pass
            async def d(self):
                async with self._lock:
                    async def inner():
                        await z()
            async def e(self):
                await self._state.acquire()
                await x()
                self._state.release()
        """
    )
    assert facts.blocks == ((7, 9), (20, 9))
    assert pickle.loads(pickle.dumps(facts)) == facts


def test_index_returns_none_without_candidates():
    assert _index("async def f(session):\n    async with session:\n        await session.get()\n") is None
    assert _index("def f(lock):\n    with lock:\n        pass\n") is None
    assert _index("import threading\nL = threading.Lock()\nasync def f():\n    async with L:\n        await g()\n") is None


def _sources() -> list[tuple[str, str]]:
    found = [(p.name, p.read_text()) for p in sorted(CORPUS.glob("*.py"))]
    found += [(p.name, p.read_text()) for p in sorted((GOLDEN / "lock-await").glob("*/before/*.py"))]
    found += [(f"skip-{k}", HEADER + "class C:\n" + textwrap.indent(dedent(v), "    ")) for k, v in SKIP_CASES.items()]
    found.append(("example", (ROOT / "examples/service/cache.py").read_text()))
    found += [  # files with nothing to report: the index must say None
        ("no-lock", "async def f(session):\n    async with session:\n        await session.get()\n"),
        ("sync-def", "import threading\nL = threading.Lock()\ndef f(x):\n    with L:\n        x.append(1)\n"),
        ("no-await", HEADER + "lock = asyncio.Lock()\nasync def f(x):\n    async with lock:\n        x.append(1)\n"),
        ("nested-def", HEADER + "lock = asyncio.Lock()\nasync def f(x):\n    async with lock:\n        async def g():\n            await x()\n"),
        ("thread-lock-async-with", "import threading\nL = threading.Lock()\nasync def f():\n    async with L:\n        await g()\n"),
        ("acquire-no-await", HEADER + "lock = asyncio.Lock()\nasync def f(x):\n    await lock.acquire()\n    x.append(1)\n    lock.release()\n"),
    ]
    return found


@pytest.mark.parametrize("name,src", _sources(), ids=[n for n, _ in _sources()])
def test_index_and_rewrite_agree(name, src):
    """The index returns None exactly when the rewrite, run anyway, would report nothing: LibCST sees only
    the files that matter."""
    facts = LockAwait().index(SourceInfo("m.py", "m", False, src), ast.parse(src))
    new, ctx = rewrite_module(LockAwait(), cst.parse_module(src), facts, "m.py")
    reported = ctx.changes or ctx.skips or ctx.held or ctx.suppressed
    assert (facts is not None) == bool(reported), (name, facts, ctx.skips)
    # where the index says nothing moves, its skips are the whole report, and the file is unchanged
    if facts is not None and facts.skips is not None:
        assert new.code == src and not (ctx.changes or ctx.held or ctx.suppressed), name
        assert [(s.line, s.col, s.reason) for s in ctx.skips] == list(facts.skips), name


# --------------------------------------------------------------------------------------------
# behaviour: programs print the same before and after


def _run_program(directory: Path, module: str) -> str:
    proc = subprocess.run([sys.executable, "-m", module], cwd=directory, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_example_cache_demonstrates_the_seed_fix_and_behaves_the_same(tmp_path: Path):
    text = (ROOT / "examples/service/cache.py").read_text()
    result = apply_to_source([LockAwait()], text, path="examples/service/cache.py")
    assert [c.message.split(" after ")[0] for c in result.changes] == [
        "moved `await self._on_evict(old_key, old_entry.value)`",
        "moved `await self._observer.on_remove(key, entry.value if entry else N...`",
        "moved `await self._observer.on_expire(key, entry.value)`",
    ]
    assert not result.skips
    for name, content in (("before", text), ("after", result.new_text)):
        pkg = tmp_path / name / "examples" / "service"
        pkg.mkdir(parents=True)
        (pkg.parent / "__init__.py").write_text("")
        (pkg / "__init__.py").write_text("")
        (pkg / "cache.py").write_text(content)
    before = _run_program(tmp_path / "before", "examples.service.cache")
    assert "evicted" in before
    assert _run_program(tmp_path / "after", "examples.service.cache") == before


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_ARGS = ["x", "y", "key", "self.n", "len(self.items)", "self.data.get(key)", "list(self.items)", "self.items", "x + self.n"]
_STATEMENTS = [
    "self.n += 1",
    "x = self.n * 2",
    "x = len(self.items)",
    "x += 1",
    "y = x + 1",
    "self.items.append(x)",
    "self.data[key] = x",
    "self.items = [x]",
    "await self.obs.tell({a}, {b})",
    "await self.obs.tell({a})",
    "y = await self.obs.fetch({a})",
    "if flag:\n    await self.obs.tell({a}, {b})",
    "if self.n > 2:\n    await self.obs.tell({a})",
    "if flag:\n    return {a}",
    "for i in range(2):\n    self.n += i\n    await self.obs.tell(i, {a})",
    "while self.items and len(self.items) > 3:\n    x = self.items.pop()\n    await self.obs.tell(x)",
    "for v in list(self.items):\n    await self.obs.tell(v, {a})",
    "for v in self.items:\n    await self.obs.tell(v, {a})",
    "self.items.clear()",
    "self.data.pop(key, None)",
    "y = x",
    "x = await self.obs.fetch(x)",
    "await self.obs.tell(*self.items)",
    "await self.obs.tell(k={a})",
    "if flag:\n    x = await self.obs.fetch({a})",
    "try:\n    await self.obs.tell({a})\nexcept Exception:\n    self.n -= 1",
    "try:\n    await self.obs.tell({a})\nexcept ValueError:\n    pass",
    "y = await self.obs.fetch(len(self.items))",
    "for i in range(3):\n    if i == 1:\n        break\n    await self.obs.tell(i, {a})",
    "for i in range(2):\n    if i:\n        await self.obs.tell(i)\n    else:\n        self.n += 1",
    "self.data[key] = [{a}]\nawait self.obs.tell(self.data[key])",
    "if not flag:\n    return await self.obs.fetch({a})",
]
_ENDINGS = ["", "return y", "return {a}", "return await self.obs.fetch({a})", "return x + 1"]


def _render(choices, ending, args, threads: bool = False) -> str:
    import itertools

    args = itertools.cycle(args)
    lines = []
    for c in choices:
        stmt = _STATEMENTS[c].format(a=next(args), b=next(args))
        lines.append(textwrap.indent(stmt, " " * 12))
    if _ENDINGS[ending]:
        lines.append(" " * 12 + _ENDINGS[ending].format(a=next(args)))
    body = "\n".join(lines)
    lock, with_ = ("threading.Lock()", "with") if threads else ("asyncio.Lock()", "async with")
    return f'''\
import asyncio
import threading


class Box:
    def __init__(self):
        self._lock = {lock}
        self.obs = self  # the observer told and asked: reached through an attribute
        self.n = 0
        self.items = []
        self.data = {{}}
        self.records = []

    async def tell(self, *args, **kwargs):
        self.records.append(repr((args, kwargs)))

    async def fetch(self, value):
        return (value if isinstance(value, int) else 7) + 100

    async def op(self, key, flag):
        x = y = 0
        {with_} self._lock:
{body}
        return (x, y, self.n)


async def main():
    box = Box()
    out = []
    for key, flag in [("a", True), ("b", False), ("a", False), ("c", True)]:
        out.append(await box.op(key, flag))
    return out, box.records, box.n, box.items, box.data
'''


def _outcome(src: str):
    import asyncio

    namespace: dict = {"__name__": "lock_await_differential"}
    exec(compile(src, "<differential>", "exec"), namespace)
    return asyncio.run(namespace["main"]())


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(
    choices=st.lists(st.integers(0, len(_STATEMENTS) - 1), min_size=1, max_size=7),
    ending=st.integers(0, len(_ENDINGS) - 1),
    args=st.lists(st.sampled_from(_ARGS), min_size=3, max_size=3),
    threads=st.booleans(),
)
def test_random_blocks_behave_the_same_one_task_at_a_time(choices, ending, args, threads):
    src = _render(choices, ending, args, threads)
    result = apply_to_source([LockAwait()], src)
    assert not result.errors, (src, result.errors)
    assert _outcome(result.new_text) == _outcome(src), (src, result.new_text)
    again = apply_to_source([LockAwait()], result.new_text)
    assert again.new_text == result.new_text


def test_random_blocks_do_move_something():
    """The differential test above is only worth something if its blocks get rewritten."""
    moved = 0
    for c in range(len(_STATEMENTS)):
        src = _render([5, c], 0, ["x", "self.n", "key"])
        moved += bool(apply_to_source([LockAwait()], src).changes)
    assert moved >= 8


def test_lock_name_words():
    assert words("_send_lock") == ["send", "lock"]
    assert words("sendFrameLock") == ["send", "frame", "lock"]
    assert words("_lock") == ["lock"]
