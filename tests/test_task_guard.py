"""task-guard: unit tests (index, decisions, rewrite, the fix contract) and behavioural tests that run
the rewritten programs: a kept-alive task survives garbage collection, a guarded task is cancelled when its
scope ends and not before, and a task meant to outlive its spawner still does."""

from __future__ import annotations

import ast
import asyncio
import contextlib
import gc
import io
import pickle
import re
import sys
import textwrap
import types
import weakref
from pathlib import Path

import libcst as cst
import pytest

from codemods import engine, suppress
from codemods.model import SAFE, UNSAFE
from codemods.transforms import get
from codemods.transforms.base import SourceInfo
from codemods.transforms.task_guard import TaskGuard

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "service" / "workers.py"

# a coroutine that loops forever: a task running it can only belong to its spawner's scope
ENDLESS = "\n\nasync def beat(conn):\n    while True:\n        await conn.ping()\n"


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def apply(text: str, **options):
    result = engine.apply_to_source([TaskGuard(options or None)], text)
    assert not result.errors, result.errors
    return result


def index(text: str, **options):
    return TaskGuard(options or None).index(SourceInfo("mod.py", "mod", False, text), ast.parse(text))


def rewrite(text: str, *, allow_unsafe: bool = True, **options):
    """What the transform does on a LibCST tree it is handed, with a context made by the contract."""
    transform = TaskGuard(options or None)
    transform.allow_unsafe = allow_unsafe
    ctx = transform.context("mod.py", suppress.parse(text))
    new = transform.rewrite(cst.parse_module(text), None, ctx)
    return new.code, ctx


# -- registration and documentation ------------------------------------------------------------------


def test_registered_with_ruff_shaped_doc_and_its_rule():
    cls = get("task-guard")
    assert cls is TaskGuard
    doc = cls.doc()
    headings = [line for line in doc.splitlines() if line.startswith("## ")]
    assert headings == ["## What it does", "## Why is this bad?", "## Example", "## Fix safety"]
    assert "\n" not in cls.summary and cls.summary
    assert cls.rules == ("CM203",)
    assert cls.fix_safety == UNSAFE
    fix_safety = doc.split("## Fix safety")[1]
    assert "keep-alive: safe" in fix_safety and "cancel guard: unsafe" in fix_safety


def test_guard_option_is_validated():
    with pytest.raises(ValueError, match="package.module:name"):
        TaskGuard({"guard": "pkg.tasks.task_guard"})
    with pytest.raises(ValueError, match="keyword"):
        TaskGuard({"guard": "pkg.class:guard"})
    with pytest.raises(ValueError, match="unknown option"):
        TaskGuard({"guards": "pkg:guard"})
    t = TaskGuard({"guard": "pkg.tasks:task_guard"})
    assert pickle.loads(pickle.dumps(t)).options == {"guard": "pkg.tasks:task_guard"}


def test_the_package_reads_in_one_sitting():
    package = ROOT / "codemods" / "transforms" / "task_guard"
    sizes = {p.name: len(p.read_text().splitlines()) for p in package.glob("*.py")}
    assert {"facts.py", "ownership.py", "lifetime.py", "planning.py", "objects.py", "rewriting.py", "reasons.py"} <= set(sizes)
    assert max(sizes.values()) <= 500, sizes


# -- index -------------------------------------------------------------------------------------------

NOTHING_TO_DO = [
    # no asyncio at all: other libraries' create_task
    "async def f(hass):\n    hass.async_create_task(x())\n    await y()\n",
    # TaskGroup and nursery spawns are owned, a task group passed in too
    src("""
        import asyncio
        async def f(group):
            async with asyncio.TaskGroup() as tg:
                tg.create_task(x())
            async with anyio.create_task_group() as tg:
                tg.start_soon(x)
            group.create_task(x())
        """),
    # owned in every way there is
    src("""
        import asyncio
        async def f(q):
            await asyncio.create_task(x())
            t = asyncio.create_task(x()); await t
            u = asyncio.create_task(x()); u.cancel()
            v = asyncio.ensure_future(x()); await asyncio.gather(v)
            w = asyncio.create_task(x()); q.add(w)
            q.append(asyncio.create_task(x()))
            tasks = [asyncio.create_task(x()) for _ in range(3)]
            await asyncio.wait(tasks)
            asyncio.ensure_future(x()).cancel()
            for task in [asyncio.create_task(x()) for _ in range(3)]:
                q.add(task)
            return asyncio.create_task(x())
        """),
    # a closure cancels it (Home Assistant's tplink_lte): the task is owned
    src("""
        import asyncio
        async def setup(hass):
            try:
                await login()
            except OSError:
                retry = hass.loop.create_task(retry_login())
                def cleanup(event):
                    if not retry.done():
                        retry.cancel()
                hass.bus.async_listen_once("stop", cleanup)
        """),
    # a task stored on self that the class uses, and one a receiver that is no loop keeps
    src("""
        import asyncio
        class C:
            async def start(self):
                self.t = asyncio.create_task(x())
                self.flusher = self.hass.loop.create_task(x())
            async def stop(self):
                await self.t
        """),
]


@pytest.mark.parametrize("text", NOTHING_TO_DO)
def test_index_returns_none_when_nothing_can_happen(text):
    assert index(text) is None
    result = apply(text)
    assert result.new_text == text and not result.skips


def test_index_facts_are_small_plain_data():
    facts = index(src("""
        import asyncio as aio
        async def f(loop):
            aio.create_task(x())
            [aio.create_task(x()) for _ in range(2)]
            loop.create_task(x())
            await y()
        """))
    assert [(f.line, f.kind) for f in facts] == [(3, "bare"), (4, "comprehension"), (5, "receiver")]
    assert pickle.loads(pickle.dumps(facts)) == facts


# -- the decision per spawn: which fix, or which reason --------------------------------------------------

CANCELLED = {
    "an endless helper": ("asyncio.create_task(beat(conn))\nawait conn.closed()", "loops forever"),
    "an endless nested helper": (
        "async def pinger():\n    while True:\n        await conn.ping()\n\nasyncio.create_task(pinger())\nawait conn.closed()",
        "loops forever",
    ),
    "a resource its with block closes": (
        "async with conn.open() as channel:\n    asyncio.create_task(channel.pump())\n    await channel.closed()",
        "which f() closes when its `with` block ends",
    ),
    "a done-callback on an endless helper": (
        "t = asyncio.create_task(beat(conn))\nt.add_done_callback(print)\nawait conn.closed()", "loops forever",
    ),
}


@pytest.mark.parametrize("name", CANCELLED)
def test_cancel_guard_where_the_task_provably_belongs_to_the_function(name):
    body, evidence = CANCELLED[name]
    text = "import asyncio\n\n\nasync def f(conn):\n" + textwrap.indent(body, "    ") + "\n" + ENDLESS
    result = apply(text)
    assert "contextlib.ExitStack()" in result.new_text
    (change,) = [c for c in result.changes if "cancelled" in c.message]
    assert change.safety == UNSAFE and evidence in change.why
    assert not result.skips


KEPT = {
    # meant to outlive the spawner
    "signals readiness": (
        "start", "ready = asyncio.Event()\nasyncio.create_task(beat(ready))\nawait ready.wait()", "signals readiness",
    ),
    "waits for a future it passed": (
        "go", "started = loop.create_future()\nasyncio.create_task(beat(started))\nawait started", "signals readiness",
    ),
    "started by connect()": ("connect", "asyncio.create_task(beat(conn))\nawait conn.hello()", "started by connect()"),
    "nothing awaited after": ("f", "await conn.hello()\nasyncio.create_task(beat(conn))", "nothing is awaited after"),
    "fan-out": ("f", "for m in conn.members:\n    asyncio.create_task(m.notify())\nawait conn.hello()", "fan-out"),
    "on_ listener": ("f", "asyncio.create_task(conn.on_message())\nawait conn.hello()", "fan-out"),
    "commented fire-and-forget": (
        "f", "asyncio.create_task(beat(conn))  # fire-and-forget\nawait conn.hello()", "fire-and-forget",
    ),
    "done-callback": ("f", "t = asyncio.create_task(x())\nt.add_done_callback(print)\nawait conn.hello()", "done-callback"),
    # ambiguous: kept alive and reported
    "ambiguous": ("f", "asyncio.create_task(x())\nawait conn.hello()", "ambiguous"),
}


@pytest.mark.parametrize("name", KEPT)
def test_keep_alive_where_the_task_must_outlive_or_its_lifetime_is_ambiguous(name):
    func, body, pattern = KEPT[name]
    text = f"import asyncio\n\n\nasync def {func}(conn, loop):\n" + textwrap.indent(body, "    ") + "\n" + ENDLESS
    result = apply(text)
    assert "ExitStack" not in result.new_text and ".cancel" not in result.new_text
    assert "_background_tasks.add(" in result.new_text
    kept = [c for c in result.changes if "kept alive" in c.message]
    assert len(kept) == 1 and kept[0].safety == SAFE
    assert pattern in kept[0].message + " ".join(s.reason for s in result.skips)
    assert bool(result.skips) == (name == "ambiguous")


SKIPPED = {
    "stored in a nonlocal variable": """
        import asyncio
        async def outer():
            t = None
            async def inner():
                nonlocal t
                t = asyncio.create_task(x())
                await y()
            await inner()
        """,
    "a conditional expression, which the transform does not follow": """
        import asyncio
        async def f(c):
            t = asyncio.create_task(x()) if c else None
            await y()
        """,
    "on the same line as its def": """
        import asyncio
        async def f(conn): asyncio.create_task(beat(conn)); await conn.closed()
        async def beat(conn):
            while True:
                await conn.ping()
        """,
    "already means something else in f()": """
        import asyncio
        async def f(conn, contextlib):
            asyncio.create_task(beat(conn))
            await conn.closed()
        async def beat(conn):
            while True:
                await conn.ping()
        """,
    "ensure_future() of `fut`, which is not known to be a coroutine call": """
        import asyncio
        async def f(fut):
            asyncio.ensure_future(fut)
            await y()
        """,
    "ensure_future() of `transport.drained()`, which is not known to be a coroutine call": """
        import asyncio
        async def f(transport):
            asyncio.ensure_future(transport.drained())
            await transport.write(b"")
        """,
    "`self._loop` is not known to be an asyncio event loop": """
        import asyncio
        class C:
            async def f(self):
                self._loop.create_task(self.flush())
                await y()
        """,
    "a generator expression that is never iterated": """
        import asyncio
        async def f(xs):
            (asyncio.create_task(x) for x in xs)
            await y()
        """,
    "stored on self, and C has no aclose()": """
        import asyncio
        class C:
            async def start(self):
                self.t = asyncio.create_task(x())
                await y()
        """,
    "C.__init__() does not set self.t": """
        import asyncio
        class C:
            async def start(self):
                self.t = asyncio.create_task(x())
            def close(self):
                pass
        """,
    "C.close() is also called by reconnect()": """
        import asyncio
        class C:
            def __init__(self):
                self.t = None
            async def start(self):
                self.t = asyncio.create_task(x())
            async def close(self):
                pass
            async def reconnect(self):
                await self.close()
                await self.open()
        """,
    "spawned at module level": "import asyncio\nasyncio.ensure_future(asyncio.sleep(1))\n",
}


@pytest.mark.parametrize("reason", SKIPPED)
def test_left_alone_with_a_reason(reason):
    text = src(SKIPPED[reason])
    result = apply(text)
    assert result.new_text == text
    assert [reason in s.reason for s in result.skips] == [True], result.skips
    assert index(text) is not None


def test_close_is_used_when_the_method_that_calls_it_starts_the_task_again():
    text = src("""
        import asyncio
        class C:
            def __init__(self):
                self.reader = None
            async def connect(self):
                self.reader = asyncio.create_task(x())
            async def close(self):
                pass
            async def reconnect(self):
                await self.close()
                await self.connect()
            async def __aexit__(self, *exc):
                await self.close()
        """)
    result = apply(text)
    assert [c.message for c in result.changes] == ["task `self.reader` is now cancelled in C.close()"]
    assert result.changes[0].safety == UNSAFE and not result.skips


def test_a_stop_event_the_function_sets_is_set_on_every_way_out():
    text = src("""
        import asyncio


        async def typing(chat, done):
            while not done.is_set():
                await chat.typing()


        async def answer(chat):
            done = asyncio.Event()
            asyncio.create_task(typing(chat, done))
            await chat.send(await chat.think())
            done.set()
        """)
    result = apply(text)
    assert "        stack.callback(done.set)\n" in result.new_text
    assert "typing_task" not in result.new_text  # nothing to name: the event ends it
    (change,) = result.changes[:1]
    assert "ends when answer() exits" in change.message and change.safety == UNSAFE
    # already set in a `finally`: the function has thought of its error paths
    careful = text.replace(
        "    await chat.send(await chat.think())\n    done.set()\n",
        "    try:\n        await chat.send(await chat.think())\n    finally:\n        done.set()\n",
    )
    again = apply(careful)
    assert again.new_text == careful and not again.skips


AWAITED_AFTER = {
    # every way out of the function after the spawn awaits: guarded
    "await later": ("asyncio.create_task(beat(c))\nawait y()", True),
    "loop that awaits": ("asyncio.create_task(beat(c))\nfor j in jobs:\n    await j()", True),
    "while True comes back": ("while True:\n    await y()\n    asyncio.create_task(beat(c))", True),
    "finally awaits": ("try:\n    asyncio.create_task(beat(c))\nfinally:\n    await y()", True),
    "both branches await": ("asyncio.create_task(beat(c))\nif c:\n    await y()\nelse:\n    await z()", True),
    "await on the same line": ("asyncio.create_task(beat(c)); await y()", True),
    # some way out does not: kept alive instead, the guard would cancel it before it ran
    "sibling branch": ("if c:\n    asyncio.create_task(beat(c))\nelse:\n    await y()", False),
    "early return": ("asyncio.create_task(beat(c))\nif c:\n    return\nawait y()", False),
    "raise": ("asyncio.create_task(beat(c))\nraise ValueError()\nawait y()", False),
    "last iteration": ("for j in jobs:\n    await j()\n    asyncio.create_task(beat(c))", False),
    "only in a handler": ("try:\n    asyncio.create_task(beat(c))\nexcept OSError:\n    await y()", False),
    "behind or": ("asyncio.create_task(beat(c))\nc or await y()", False),
    "in a nested def": ("asyncio.create_task(beat(c))\nasync def later():\n    await y()", False),
}


@pytest.mark.parametrize("name", AWAITED_AFTER)
def test_guarded_only_when_every_way_out_awaits(name):
    body, guarded = AWAITED_AFTER[name]
    text = "import asyncio\n\n\nasync def f(c, jobs):\n" + textwrap.indent(body, "    ") + "\n" + ENDLESS
    result = apply(text)
    messages = [c.message for c in result.changes]
    assert any("cancelled when f() exits" in m for m in messages) == guarded
    assert any("nothing is awaited after the spawn" in m for m in messages) == (not guarded)


# -- rewrite: (before, after) pairs ------------------------------------------------------------------

PAIRS = {
    "bare statement, the cancel guard": (
        """
        import asyncio
        import contextlib


        async def serve(conn):
            asyncio.create_task(beat(conn))
            await conn.closed()
        """,
        """
        import asyncio
        import contextlib


        async def serve(conn):
            with contextlib.ExitStack() as stack:
                beat_task = asyncio.create_task(beat(conn))
                stack.callback(beat_task.cancel)
                await conn.closed()
        """,
    ),
    "existing guard is reused, not nested": (
        """
        import asyncio
        import contextlib


        async def serve(conn):
            with contextlib.ExitStack() as stack:
                asyncio.create_task(beat(conn))
                await conn.closed()
        """,
        """
        import asyncio
        import contextlib


        async def serve(conn):
            with contextlib.ExitStack() as stack:
                beat_task = asyncio.create_task(beat(conn))
                stack.callback(beat_task.cancel)
                await conn.closed()
        """,
    ),
    "aliased contextlib, statements before the spawn stay outside": (
        """
        import asyncio
        import contextlib as cl


        async def handle(conn):
            '''Docstring.'''
            global COUNT
            COUNT += 1
            if conn.ready: asyncio.create_task(beat(conn))
            await conn.recv()
        """,
        """
        import asyncio
        import contextlib as cl


        async def handle(conn):
            '''Docstring.'''
            global COUNT
            COUNT += 1
            with cl.ExitStack() as stack:
                if conn.ready: beat_task = asyncio.create_task(beat(conn)); stack.callback(beat_task.cancel)
                await conn.recv()
        """,
    ),
    "spawns in a loop: a task set that lets finished tasks go": (
        """
        import asyncio


        async def supervise(listener, task):
            while True:
                conn = await listener.accept()
                asyncio.create_task(beat(conn))
        """,
        """
        import asyncio


        async def supervise(listener, task):
            tasks = set()
            try:
                while True:
                    conn = await listener.accept()
                    beat_task = asyncio.create_task(beat(conn))
                    tasks.add(beat_task)
                    beat_task.add_done_callback(tasks.discard)
            finally:
                for pending_task in tasks:
                    pending_task.cancel()
        """,
    ),
    "custom guard": (
        """
        import asyncio


        async def serve(conn):
            t = asyncio.create_task(beat(conn))
            await conn.closed()
        """,
        """
        import asyncio
        from pkg.tasks import task_guard


        async def serve(conn):
            with task_guard() as tasks:
                t = asyncio.create_task(beat(conn))
                tasks.add(t)
                await conn.closed()
        """,
    ),
    "keep-alive of a notification": (
        '''
        """Chat."""

        import asyncio

        LIMIT = 3


        async def post(room, text):
            for member in room.members:
                asyncio.create_task(member.notify(text))  # each one on its own
            await room.save(text)
        ''',
        '''
        """Chat."""

        import asyncio

        # The event loop keeps only weak references to tasks: keep them until done.
        _background_tasks = set()

        LIMIT = 3


        async def post(room, text):
            for member in room.members:
                notify_task = asyncio.create_task(member.notify(text))  # each one on its own
                _background_tasks.add(notify_task)
                notify_task.add_done_callback(_background_tasks.discard)
            await room.save(text)
        ''',
    ),
    "keep-alive of a comprehension whose list is thrown away": (
        """
        import asyncio

        _background_tasks = set()


        async def publish(bus, event):
            [asyncio.create_task(s.on_event(event)) for s in bus.subscribers]  # everyone
            await bus.flush()
        """,
        """
        import asyncio

        _background_tasks = set()


        async def publish(bus, event):
            for task in [asyncio.create_task(s.on_event(event)) for s in bus.subscribers]:  # everyone
                _background_tasks.add(task)
                task.add_done_callback(_background_tasks.discard)
            await bus.flush()
        """,
    ),
}


@pytest.mark.parametrize("name", PAIRS)
def test_rewrite_pairs(name):
    before, after = (src(s) + (ENDLESS if "beat(" in s else "") for s in PAIRS[name])
    options = {"guard": "pkg.tasks:task_guard"} if name == "custom guard" else {}
    result = apply(before, **options)
    assert result.new_text == after
    spawn_changes = [c for c in result.changes if not c.message.startswith("added")]
    assert len(spawn_changes) == 1 and not result.skips
    assert apply(after, **options).new_text == after  # a second run changes nothing


def test_rewrite_finds_targets_in_the_tree_it_is_given():
    # no index facts, positions shifted by an earlier transform: rewrite must not care
    text = "\n\n\n" + src("""
        import asyncio
        async def f(conn):
            asyncio.ensure_future(beat(conn))
            await conn.closed()
        """) + ENDLESS
    new, ctx = rewrite(text)
    assert "beat_task = asyncio.ensure_future(beat(conn))" in new
    assert [(c.line, c.col, c.end_line, c.end_col) for c in ctx.changes if "cancelled" in c.message] == [(6, 5, 6, 38)]


def test_task_on_self_a_class_already_handles_is_left_alone():
    text = src("""
        import asyncio
        class C:
            def __init__(self):
                self.t = None
            async def start(self):
                self.t = asyncio.create_task(x())
                self.t.add_done_callback(print)
            async def stop(self):
                await asyncio.gather(self.t)
        """)
    result = apply(text)
    assert result.new_text == text and not result.skips


IMPORTS = {
    "sorted run: alphabetical place": (
        "# stdlib\nimport asyncio\nimport logging\n\nimport attr\n",
        "# stdlib\nimport asyncio\nimport contextlib\nimport logging\n\nimport attr\n",
    ),
    "aliased asyncio in a sorted run": (
        "import asyncio as aio\nimport sys\n",
        "import asyncio as aio\nimport contextlib\nimport sys\n",
    ),
    "unsorted run: its end, before third-party imports": (
        "import asyncio\nimport time\nimport re\n\nimport pytest\n",
        "import asyncio\nimport time\nimport re\nimport contextlib\n\nimport pytest\n",
    ),
    "existing from-import is extended": (
        "import asyncio\nfrom contextlib import suppress\n",
        "import asyncio\nfrom contextlib import ExitStack, suppress\n",
    ),
}


@pytest.mark.parametrize("name", IMPORTS)
def test_import_goes_where_the_file_keeps_its_imports(name):
    head, expected = IMPORTS[name]
    spawn = "aio" if "as aio" in head else "asyncio"
    body = f"\n\nasync def f(conn):\n    {spawn}.create_task(beat(conn))\n    await conn.closed()\n" + ENDLESS
    result = apply(head + body)
    assert result.new_text.startswith(expected), result.new_text


def test_fresh_names_do_not_shadow_and_read_as_chosen():
    result = apply(src("""
        import asyncio
        async def f(stack, beat_task, task):
            asyncio.create_task(beat(stack))
            await stack.pop()(beat_task, task)
        async def g(q):
            asyncio.create_task(q.put("a"))
            asyncio.create_task(q.put("b"))
            await q.join()
        """) + ENDLESS)
    assert "with contextlib.ExitStack() as exit_stack:" in result.new_text
    assert "beat_task_2 = asyncio.create_task(beat(stack))" in result.new_text
    assert "exit_stack.callback(beat_task_2.cancel)" in result.new_text
    # a second spawn of the same kind is numbered, not renamed to something vaguer
    assert "put_task = asyncio.create_task(q.put(\"a\"))" in result.new_text
    assert "put_task_2 = asyncio.create_task(q.put(\"b\"))" in result.new_text


def test_task_set_is_annotated_only_where_annotations_are_not_evaluated():
    body = "\n\ndef on_message(message):\n    asyncio.create_task(message.ack())\n"
    plain = apply("import asyncio\n" + body).new_text
    assert "\n_background_tasks = set()\n" in plain
    lazy = apply("from __future__ import annotations\n\nimport asyncio\n" + body).new_text
    assert "\n_background_tasks: set[asyncio.Task] = set()\n" in lazy


def test_index_is_a_superset_of_what_rewrite_acts_on():
    texts = [src(s) for s in SKIPPED.values()] + [src(b) + ENDLESS for b, _ in PAIRS.values()]
    golden = ROOT / "golden" / "task-guard"
    texts += [p.read_text() for p in sorted(golden.glob("*/before/**/*.py"))]
    texts += [p.read_text() for p in sorted((ROOT / "tests" / "corpus" / "task-guard").glob("*.py"))]
    texts.append(EXAMPLE.read_text())
    for text in texts:
        _, ctx = rewrite(text)
        if ctx.changes or ctx.skips:
            assert index(text) is not None, text


# -- the fix contract: safety, held-back fixes, suppressions, units -------------------------------------

MIXED = src("""
    import asyncio


    async def serve(conn):
        asyncio.create_task(beat(conn))
        await conn.closed()


    async def post(room):
        asyncio.create_task(room.notify())
        await room.save()


    async def greet(room):
        asyncio.create_task(room.announce())
        await room.save()
    """) + ENDLESS


def test_every_fix_has_its_safety_and_a_reason():
    _, ctx = rewrite(MIXED)
    by_message = {c.message.split(" is now")[0]: c for c in ctx.changes}
    assert by_message["task `beat_task`"].safety == UNSAFE
    assert by_message["task `notify_task`"].safety == SAFE
    assert by_message["task `announce_task`"].safety == SAFE
    assert all(c.why for c in ctx.changes)
    assert "RUF006" in by_message["task `notify_task`"].why


def test_unsafe_fixes_held_back_leave_their_spawn_alone_and_safe_ones_apply():
    new, ctx = rewrite(MIXED, allow_unsafe=False)
    assert [c.message for c in ctx.held] == ["task `beat_task` is now cancelled when serve() exits"]
    assert "contextlib" not in new and "    asyncio.create_task(beat(conn))\n" in new
    assert new.count("_background_tasks.add(") == 2
    assert all(c.safety == SAFE for c in ctx.changes)
    # and a second run with the same switches changes nothing
    again, _ = rewrite(new, allow_unsafe=False)
    assert again == new


def test_an_import_shares_the_unit_of_the_guards_that_need_it_and_the_task_set_of_its_keep_alives():
    text = MIXED + src("""

        async def watch(conn):
            asyncio.create_task(beat(conn))
            await conn.closed()
        """)
    _, ctx = rewrite(text)
    units: dict[str, list[str]] = {}
    for c in ctx.changes:
        units.setdefault(c.unit, []).append(c.message)
    guards = next(m for m in units.values() if any("import contextlib" in x for x in m))
    assert sorted(guards) == sorted([
        "added `import contextlib` for the cancel guards",
        "task `beat_task` is now cancelled when serve() exits",
        "task `beat_task` is now cancelled when watch() exits",
    ])
    keeps = next(m for m in units.values() if any("_background_tasks = set()" in x for x in m))
    assert len(keeps) == 3  # the set and both keep-alive fixes
    assert len(units) == 2


def test_a_suppressed_spawn_is_left_alone_and_a_suppressed_import_takes_its_guards_back():
    text = MIXED.replace("asyncio.create_task(room.notify())", "asyncio.create_task(room.notify())  # codemod: ignore[CM203]")
    new, ctx = rewrite(text)
    assert "asyncio.create_task(room.notify())  # codemod" in new
    assert [c.message for c in ctx.suppressed] == ["task `notify_task` is now kept alive until it finishes (a strong "
                                                   "reference in `_background_tasks`): fire-and-forget fan-out "
                                                   "(`room.notify`): meant to finish on its own after post() returns, "
                                                   "so it is not cancelled"]
    # the import goes after the last import line: an ignore comment there declines it, and its guard with it
    declined = MIXED.replace("import asyncio\n", "import asyncio  # codemod: ignore[task-guard]\n", 1)
    new, ctx = rewrite(declined)
    assert "ExitStack" not in new and "contextlib" not in new
    assert not any("cancelled" in c.message for c in ctx.changes)
    assert any("cancelled" in c.message for c in ctx.suppressed)


# -- behaviour: the rewritten programs run -----------------------------------------------------------

PROGRAM = src("""
    import asyncio

    events = []


    async def worker(name):
        events.append(f"{name} started")
        try:
            while True:
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            events.append(f"{name} cancelled")
            raise


    async def owner(gate):
        asyncio.create_task(worker("w"))
        await gate.wait()
        events.append("owner exits")
        return "result"


    async def failing_owner(gate):
        watcher = asyncio.create_task(worker("w"))
        await gate.wait()
        events.append("owner raises")
        raise RuntimeError("boom")


    async def looping_owner(gate, n):
        for i in range(n):
            if i % 2:
                asyncio.ensure_future(worker(f"odd{i}"))
            else:
                asyncio.get_running_loop().create_task(worker(f"even{i}"))
            await asyncio.sleep(0)
        await gate.wait()
        events.append("owner exits")
    """)


def load(text: str, name: str = "guarded") -> types.SimpleNamespace:
    namespace: dict = {"__name__": name}
    exec(compile(text, f"<{name}>", "exec"), namespace)
    return types.SimpleNamespace(**namespace)


async def settle():
    for _ in range(5):
        await asyncio.sleep(0)


def test_program_is_guarded_where_expected():
    result = apply(PROGRAM)
    assert len([c for c in result.changes if "cancelled" in c.message]) == 4 and not result.skips
    assert result.new_text.count("with contextlib.ExitStack() as stack:") == 2
    assert result.new_text.count("tasks = set()") == 1  # looping_owner


def run_owner(mod, owner_name, *args):
    async def scenario():
        gate = asyncio.Event()
        owner = asyncio.create_task(getattr(mod, owner_name)(gate, *args))
        await settle()
        while_running = list(mod.events)
        gate.set()
        outcome = await asyncio.gather(owner, return_exceptions=True)
        await settle()
        return while_running, list(mod.events), outcome[0]

    return asyncio.run(scenario())


def test_guarded_task_is_cancelled_when_its_function_returns_and_not_before():
    guarded = load(apply(PROGRAM).new_text)
    while_running, after, value = run_owner(guarded, "owner")
    assert while_running == ["w started"]
    assert after == ["w started", "owner exits", "w cancelled"]
    assert value == "result"

    # control: the unguarded program leaves the task running after its owner is gone
    original = load(PROGRAM, "original")
    _, after, _ = run_owner(original, "owner")
    assert after == ["w started", "owner exits"]


def test_guarded_task_is_cancelled_when_its_function_raises():
    guarded = load(apply(PROGRAM).new_text)
    while_running, after, error = run_owner(guarded, "failing_owner")
    assert while_running == ["w started"]
    assert after == ["w started", "owner raises", "w cancelled"]
    assert isinstance(error, RuntimeError)


def test_guarded_task_is_cancelled_when_its_function_is_cancelled():
    guarded = load(apply(PROGRAM).new_text)

    async def scenario():
        owner = asyncio.create_task(guarded.owner(asyncio.Event()))
        await settle()
        owner.cancel()
        await asyncio.gather(owner, return_exceptions=True)
        await settle()
        return owner.cancelled()

    assert asyncio.run(scenario())
    assert guarded.events == ["w started", "w cancelled"]


def test_tasks_spawned_in_a_loop_live_until_the_function_ends():
    guarded = load(apply(PROGRAM).new_text)
    while_running, after, _ = run_owner(guarded, "looping_owner", 4)
    names = ["even0", "odd1", "even2", "odd3"]
    assert while_running == [f"{n} started" for n in names]  # none cancelled by its loop iteration
    assert after[:5] == while_running + ["owner exits"]
    assert sorted(after[5:]) == sorted(f"{n} cancelled" for n in names)


def test_loop_guard_lets_finished_tasks_go():
    text = src("""
        import asyncio


        async def owner(gate):
            async def beat():
                while True:
                    await asyncio.sleep(0)

            for _ in range(3):
                asyncio.create_task(beat())
            await gate.wait()
        """)
    # the task set of a loop lets every task go once done: spawn endless helpers, end one, look at the set
    result = apply(text)
    assert "add_done_callback(tasks.discard)" in result.new_text
    guarded = load(result.new_text)

    async def scenario():
        gate = asyncio.Event()
        before = set(asyncio.all_tasks())
        owner = asyncio.create_task(guarded.owner(gate))
        await asyncio.sleep(0)
        children = list(asyncio.all_tasks() - before - {owner})
        assert len(children) == 3
        children[0].cancel()
        await settle()
        tasks = set(task_set_of(owner))  # a copy: the set empties as its tasks end
        gate.set()
        await owner
        await settle()
        return children, tasks, [t.cancelled() for t in children]

    children, tasks, cancelled = asyncio.run(scenario())
    assert children[0] not in tasks and set(children[1:]) <= tasks  # the finished one left the set
    assert cancelled == [True, True, True]  # the others were cancelled when the owner ended


def task_set_of(task: asyncio.Task):
    return task.get_coro().cr_frame.f_locals["tasks"]


def test_keep_alive_keeps_a_task_the_garbage_collector_would_take():
    text = src("""
        import asyncio

        log = []


        async def wait_for_reply(waiter):
            log.append("waiting")
            await waiter
            log.append("never")


        async def ask():
            # the reply future is referenced by nothing but the task that waits on it
            waiter = asyncio.get_running_loop().create_future()
            asyncio.create_task(wait_for_reply(waiter))
            await asyncio.sleep(0)
        """)
    result = apply(text)
    assert [c.safety for c in result.changes] == [SAFE, SAFE]
    assert "ambiguous" in result.skips[0].reason

    collected, log = asyncio.run(_collected(load(text, "original")))
    assert collected and log == ["waiting"]  # control: the loop let the pending task go mid-run
    collected, log = asyncio.run(_collected(load(result.new_text, "kept")))
    assert not collected and log == ["waiting"]


async def _collected(mod) -> tuple[bool, list[str]]:
    """Run `ask()`, drop every reference this frame holds, collect, and say whether the task was collected."""
    before = set(asyncio.all_tasks())
    await mod.ask()
    spawned = asyncio.all_tasks() - before - {asyncio.current_task()}
    refs = [weakref.ref(t) for t in spawned]
    del spawned
    with _quiet_destroyed_tasks():
        gc.collect()
    collected = all(r() is None for r in refs)
    return collected, list(mod.log)


@contextlib.contextmanager
def _quiet_destroyed_tasks():
    """The loop logs "Task was destroyed but it is pending!" when a pending task is collected: expected here."""
    import logging

    logger = logging.getLogger("asyncio")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        logger.setLevel(level)


def test_a_server_started_in_start_outlives_start():
    text = src("""
        import asyncio


        async def serve_forever(requests, ready):
            ready.set()
            while True:
                request, reply = await requests.get()
                reply.set_result(request * 2)


        class Server:
            def __init__(self):
                self.requests = asyncio.Queue()

            async def start(self):
                ready = asyncio.Event()
                asyncio.create_task(serve_forever(self.requests, ready))
                await ready.wait()
        """)
    result = apply(text)
    assert "signals readiness" in result.changes[0].message
    server_mod = load(result.new_text)

    async def scenario():
        server = server_mod.Server()
        await server.start()
        reply = asyncio.get_running_loop().create_future()
        await server.requests.put((21, reply))
        return await asyncio.wait_for(reply, timeout=10)

    assert asyncio.run(scenario()) == 42


def test_custom_guard_is_imported_and_used(monkeypatch):
    pkg = types.ModuleType("projtasks")
    added = []

    @contextlib.contextmanager
    def task_guard():
        tasks = set()
        try:
            yield tasks
        finally:
            added.extend(tasks)
            for task in tasks:
                task.cancel()

    pkg.task_guard = task_guard
    monkeypatch.setitem(sys.modules, "projtasks", pkg)
    result = apply(PROGRAM, guard="projtasks:task_guard")
    assert "from projtasks import task_guard" in result.new_text
    guarded = load(result.new_text)
    _, after, _ = run_owner(guarded, "owner")
    assert after == ["w started", "owner exits", "w cancelled"]
    assert len(added) == 1


def test_bundled_example_heartbeat_is_guarded_and_announcer_kept_alive():
    text = EXAMPLE.read_text()
    result = apply(text)
    messages = sorted(c.message for c in result.changes)
    assert messages[0].startswith("added `_background_tasks = set()`")
    assert messages[1] == "added `import contextlib` for the cancel guards"
    assert messages[2] == "task `announcer` is now kept alive until it finishes (a strong reference in " \
        "`_background_tasks`): fire-and-forget fan-out (`announce_presence`): meant to finish on its own after " \
        "serve_session() returns, so it is not cancelled"
    assert messages[3] == "task `heartbeat_task` is now cancelled when serve_session() exits"
    assert not result.skips

    def run_main(source: str, name: str) -> str:
        mod = load(source, name)
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            asyncio.run(mod.main())
        return out.getvalue()

    before = run_main(text, "workers_before")
    after = run_main(result.new_text, "workers_after")
    assert "ada: grace joined, hello" in after and "grace: ada joined, hello" in after
    assert "tasks still running after every session ended: 2" in before
    assert "tasks still running after every session ended: 0" in after


SERVICE = src('''
    import asyncio

    events = []


    async def worker():
        events.append("started")
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            events.append("cancelled")
            raise


    class Service:
        """Runs a worker while open."""

        def __init__(self):
            self._worker = None

        async def start(self):
            self._worker = asyncio.create_task(worker())

        async def aclose(self):
            """Close the service."""
            events.append("closing")
    ''')


def test_task_on_self_is_cancelled_by_the_close_method_and_not_before():
    result = apply(SERVICE)
    assert [c.message for c in result.changes] == ["task `self._worker` is now cancelled in Service.aclose()"]
    assert apply(result.new_text).new_text == result.new_text
    guarded = load(result.new_text)

    async def scenario():
        service = guarded.Service()
        await service.aclose()  # closing before start must not fail
        guarded.events.clear()
        await service.start()
        await settle()
        while_open = list(guarded.events)
        await service.aclose()
        await settle()
        return while_open

    assert asyncio.run(scenario()) == ["started"]
    assert guarded.events == ["started", "closing", "cancelled"]


def test_existing_guard_is_only_used_where_it_is_open():
    text = src("""
        import asyncio
        import contextlib


        async def serve(conn):
            with contextlib.ExitStack() as stack:
                asyncio.create_task(beat(conn))
                await conn.ready()
            asyncio.create_task(beat(conn))
            await conn.closed()
        """) + ENDLESS
    after = src("""
        import asyncio
        import contextlib


        async def serve(conn):
            with contextlib.ExitStack() as stack:
                beat_task = asyncio.create_task(beat(conn))
                stack.callback(beat_task.cancel)
                await conn.ready()
            with contextlib.ExitStack() as exit_stack:
                beat_task_2 = asyncio.create_task(beat(conn))
                exit_stack.callback(beat_task_2.cancel)
                await conn.closed()
        """) + ENDLESS
    result = apply(text)
    assert result.new_text == after
    assert [c.line for c in result.changes] == [7, 9] and not result.skips


def test_existing_exit_stack_is_not_used_for_spawns_in_a_loop():
    text = src("""
        import asyncio
        import contextlib


        async def f(q):
            with contextlib.ExitStack() as stack:
                asyncio.create_task(beat(q))
                while True:
                    await q.get()
                    asyncio.create_task(beat(q))
        """) + ENDLESS
    new = apply(text).new_text
    assert "stack.callback(beat_task.cancel)" in new
    assert "tasks.add(beat_task_2)" in new and "beat_task_2.add_done_callback(tasks.discard)" in new
    assert "stack.callback(beat_task_2" not in new
    assert apply(new).new_text == new


# -- property: on generated programs, the owner behaves exactly as before; every task the transform
# -- cancels is cancelled once its owner exits, never while the owner runs; kept tasks run to their end ----

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402


def _statements(depth: int):
    simple = st.one_of(
        st.tuples(st.just("bare"), st.booleans()),  # (bare, endless helper)
        st.tuples(st.just("local"), st.booleans(), st.booleans()),  # (local, endless, with add_done_callback)
        st.tuples(st.just("await")),
        st.tuples(st.just("log")),
        st.tuples(st.just("return")),
        st.tuples(st.just("raise")),
    )
    if depth == 0:
        return simple
    block = st.lists(_statements(depth - 1), min_size=1, max_size=3)
    return st.one_of(
        simple,
        st.tuples(st.just("if"), st.booleans(), block, block),
        st.tuples(st.just("for"), block),
        st.tuples(st.just("try"), block),
    )


def _render(stmts, indent: int, counter: list[int]) -> list[str]:
    pad = "    " * indent
    out: list[str] = []
    for stmt in stmts:
        counter[0] += 1
        n = counter[0]
        kind = stmt[0]
        if kind == "bare":
            coro = "forever" if stmt[1] else "run"
            out.append(f'{pad}asyncio.create_task({coro}(log, "t{n}"))')
        elif kind == "local":
            coro = "forever" if stmt[1] else "run"
            out.append(f'{pad}t{n} = asyncio.ensure_future({coro}(log, "t{n}"))')
            if stmt[2]:
                out.append(f"{pad}t{n}.add_done_callback(lambda _: None)")
        elif kind == "await":
            out.append(f"{pad}await asyncio.sleep(0)")
        elif kind == "log":
            out.append(f'{pad}log.append("s{n}")')
        elif kind == "return":
            out.append(f"{pad}return {n}")
        elif kind == "raise":
            out.append(f"{pad}raise ValueError({n})")
        elif kind == "if":
            out.append(f"{pad}if {stmt[1]}:")
            out += _render(stmt[2], indent + 1, counter)
            out.append(f"{pad}else:")
            out += _render(stmt[3], indent + 1, counter)
        elif kind == "for":
            out.append(f"{pad}for _ in range(2):")
            out += _render(stmt[1], indent + 1, counter)
        elif kind == "try":
            out.append(f"{pad}try:")
            out += _render(stmt[1], indent + 1, counter)
            out.append(f"{pad}finally:")
            out.append(f'{pad}    log.append("f{n}")')
    return out


PROPERTY_HEADER = src("""
    import asyncio


    async def run(log, name):
        log.append(name + " start")
        try:
            for _ in range(3):
                await asyncio.sleep(0)
            log.append(name + " end")
        except asyncio.CancelledError:
            log.append(name + " cancelled")
            raise


    async def forever(log, name):
        log.append(name + " start")
        try:
            while True:
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            log.append(name + " cancelled")
            raise


    async def owner(log):
    """)


def _trace(text: str):
    mod = load(text, "prop")
    log: list[str] = []

    async def drive():
        try:
            outcome = ("returned", await mod.owner(log))
        except ValueError as exc:
            outcome = ("raised", exc.args)
        log.append("OWNER EXIT")
        for _ in range(10):
            await asyncio.sleep(0)
        return outcome

    outcome = asyncio.run(drive())
    return outcome, log


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_statements(2), min_size=1, max_size=6))
def test_rewritten_programs_change_only_when_guarded_tasks_end(body):
    text = PROPERTY_HEADER + "\n".join(_render(body, 1, [0])) + "\n"
    result = apply(text)
    assert apply(result.new_text).new_text == result.new_text
    compile(result.new_text, "<guarded>", "exec")

    before, log_before = _trace(text)
    after, log_after = _trace(result.new_text)
    assert after == before
    owner_events = lambda log: [e for e in log if not e.startswith("t")]  # noqa: E731
    assert owner_events(log_after) == owner_events(log_before)

    lines = text.splitlines()
    cancelled = {lines[c.line - 1].split('"')[1] for c in result.changes if "cancelled when" in c.message}
    kept = {lines[c.line - 1].split('"')[1] for c in result.changes if "kept alive" in c.message}
    exit_at = log_after.index("OWNER EXIT")
    for name in cancelled:
        count = lambda what: log_after.count(f"{name} {what}")  # noqa: E731
        # every guarded task got to run, and was cancelled, never while its owner ran
        assert count("cancelled") == count("start"), log_after
        assert all(i > exit_at for i, e in enumerate(log_after) if e == f"{name} cancelled"), log_after
    for name in kept:
        # a kept task is never cancelled by the transform: its log is what it was before
        assert [e for e in log_after if e.startswith(name + " ")] == [e for e in log_before if e.startswith(name + " ")]


def test_documented_example_is_what_the_transform_does():
    blocks = re.findall(r"```python\n(.*?)```", TaskGuard.doc(), flags=re.S)
    before, after = blocks[:2]
    assert apply(before).new_text == after


def test_a_loop_the_class_gets_from_asyncio_is_a_loop():
    text = src("""
        import asyncio


        class Flusher:
            def __init__(self):
                self._loop: asyncio.AbstractEventLoop = asyncio.get_running_loop()

            def schedule(self):
                self._loop.create_task(self.flush())

            async def flush(self):
                await asyncio.sleep(0)
        """)
    assert [f.kind for f in index(text)] == ["bare"]
    result = apply(text)
    assert "flush_task = self._loop.create_task(self.flush())" in result.new_text and not result.skips
    # set from anywhere else, it is not known to be one
    other = text.replace("self._loop: asyncio.AbstractEventLoop = asyncio.get_running_loop()", "self._loop = make_loop()")
    assert [f.kind for f in index(other)] == ["receiver"]
    assert "not known to be an asyncio event loop" in apply(other).skips[0].reason
