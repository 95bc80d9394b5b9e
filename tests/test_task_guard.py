"""task-guard: unit tests (index, rewrite, options) and behavioural tests that run guarded programs."""

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

from codemods import engine
from codemods.transforms import get
from codemods.transforms.base import RewriteContext, SourceInfo
from codemods.transforms.task_guard import TaskGuard

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "service" / "workers.py"


def src(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def apply(text: str, **options):
    result = engine.apply_to_source([TaskGuard(options or None)], text)
    assert not result.errors, result.errors
    return result


def index(text: str, **options):
    return TaskGuard(options or None).index(SourceInfo("mod.py", "mod", False, text), ast.parse(text))


def rewrite(text: str, **options):
    """index-independent rewrite: what the transform does on a LibCST tree it is handed."""
    ctx = RewriteContext("mod.py", "task-guard")
    new = TaskGuard(options or None).rewrite(cst.parse_module(text), None, ctx)
    return new.code, ctx


# -- registration and documentation ------------------------------------------------------------


def test_registered_with_ruff_shaped_doc():
    cls = get("task-guard")
    assert cls is TaskGuard
    doc = cls.doc()
    headings = [line for line in doc.splitlines() if line.startswith("## ")]
    assert headings == ["## What it does", "## Why is this bad?", "## Example", "## Fix safety"]
    assert "\n" not in cls.summary and cls.summary


def test_guard_option_is_validated():
    with pytest.raises(ValueError, match="package.module:name"):
        TaskGuard({"guard": "pkg.tasks.task_guard"})
    with pytest.raises(ValueError, match="keyword"):
        TaskGuard({"guard": "pkg.class:guard"})
    with pytest.raises(ValueError, match="unknown option"):
        TaskGuard({"guards": "pkg:guard"})
    t = TaskGuard({"guard": "pkg.tasks:task_guard"})
    assert pickle.loads(pickle.dumps(t)).options == {"guard": "pkg.tasks:task_guard"}


# -- index ---------------------------------------------------------------------------------------

NOTHING_TO_DO = [
    # no asyncio at all: other libraries' create_task
    "async def f(hass):\n    hass.async_create_task(x())\n    await y()\n",
    # TaskGroup and nursery spawns are owned
    src("""
        import asyncio
        async def f():
            async with asyncio.TaskGroup() as tg:
                tg.create_task(x())
            async with anyio.create_task_group() as tg:
                tg.start_soon(x)
        """),
    # owned in every way the issue lists
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
            return asyncio.create_task(x())
        """),
]


@pytest.mark.parametrize("text", NOTHING_TO_DO)
def test_index_returns_none_when_nothing_is_unowned(text):
    assert index(text) is None
    assert apply(text).new_text == text


def test_index_facts_are_small_plain_data():
    facts = index(src("""
        import asyncio as aio
        async def f():
            aio.create_task(x())
            await y()
        """))
    assert facts is not None and len(facts) == 1
    assert (facts[0].line, facts[0].kind) == (3, "bare")
    assert pickle.loads(pickle.dumps(facts)) == facts


# -- rewrite: (before, after) pairs --------------------------------------------------------------

PAIRS = {
    "bare statement": (
        """
        import asyncio


        async def serve(conn):
            asyncio.create_task(heartbeat(conn))
            await conn.closed()
        """,
        """
        import asyncio
        import contextlib


        async def serve(conn):
            with contextlib.ExitStack() as stack:
                heartbeat_task = asyncio.create_task(heartbeat(conn))
                stack.callback(heartbeat_task.cancel)
                await conn.closed()
        """,
    ),
    "existing guard is reused, not nested": (
        """
        import asyncio
        import contextlib


        async def serve(conn):
            with contextlib.ExitStack() as stack:
                asyncio.create_task(conn.ping())
                await conn.closed()
        """,
        """
        import asyncio
        import contextlib


        async def serve(conn):
            with contextlib.ExitStack() as stack:
                ping_task = asyncio.create_task(conn.ping())
                stack.callback(ping_task.cancel)
                await conn.closed()
        """,
    ),
    "aliased contextlib, statements before the spawn stay outside": (
        """
        import asyncio
        import contextlib as cl


        async def serve(conn):
            '''Docstring.'''
            global COUNT
            COUNT += 1
            if conn.ready: asyncio.create_task(conn.ping())
            await conn.recv()
        """,
        """
        import asyncio
        import contextlib as cl


        async def serve(conn):
            '''Docstring.'''
            global COUNT
            COUNT += 1
            with cl.ExitStack() as stack:
                if conn.ready: ping_task = asyncio.create_task(conn.ping()); stack.callback(ping_task.cancel)
                await conn.recv()
        """,
    ),
    "spawns in a loop: a task set that lets finished tasks go": (
        """
        import asyncio


        async def dispatch(queue, task):
            while True:
                job = await queue.get()
                asyncio.create_task(job.run())
        """,
        """
        import asyncio


        async def dispatch(queue, task):
            tasks = set()
            try:
                while True:
                    job = await queue.get()
                    run_task = asyncio.create_task(job.run())
                    tasks.add(run_task)
                    run_task.add_done_callback(tasks.discard)
            finally:
                for pending_task in tasks:
                    pending_task.cancel()
        """,
    ),
    "custom guard": (
        """
        import asyncio


        async def serve(conn):
            t = asyncio.create_task(conn.ping())
            await conn.closed()
        """,
        """
        import asyncio
        from pkg.tasks import task_guard


        async def serve(conn):
            with task_guard() as tasks:
                t = asyncio.create_task(conn.ping())
                tasks.add(t)
                await conn.closed()
        """,
    ),
}


@pytest.mark.parametrize("name", PAIRS)
def test_rewrite_pairs(name):
    before, after = (src(s) for s in PAIRS[name])
    options = {"guard": "pkg.tasks:task_guard"} if name == "custom guard" else {}
    result = apply(before, **options)
    assert result.new_text == after
    assert len(result.changes) == 1 and not result.skips
    assert apply(after, **options).new_text == after  # a second run changes nothing


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
        async def f(): asyncio.create_task(x()); await y()
        """,
    "already means something else here": """
        import asyncio
        async def f(contextlib):
            asyncio.create_task(x())
            await y()
        """,
    "nothing is awaited after the spawn": """
        import asyncio
        async def f():
            try:
                await y()
                asyncio.create_task(x())
            finally:
                print("done")
        """,
    "ensure_future() of a value, not of a call": """
        import asyncio
        async def f(fut):
            asyncio.ensure_future(fut)
            await y()
        """,
    "spawned in a sync function": """
        import asyncio
        def f(loop: asyncio.AbstractEventLoop):
            loop.create_task(x())
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
}


@pytest.mark.parametrize("reason", SKIPPED)
def test_left_alone_with_a_reason(reason):
    text = src(SKIPPED[reason])
    result = apply(text)
    assert result.new_text == text
    assert [reason in s.reason for s in result.skips] == [True], result.skips
    assert index(text) is not None


AWAITED_AFTER = {
    # every way out of the function after the spawn awaits: guarded
    "await later": ("asyncio.create_task(x())\nawait y()", True),
    "loop that awaits": ("asyncio.create_task(x())\nfor j in jobs:\n    await j()", True),
    "while True comes back": ("while True:\n    await y()\n    asyncio.create_task(x())", True),
    "finally awaits": ("try:\n    asyncio.create_task(x())\nfinally:\n    await y()", True),
    "both branches await": ("asyncio.create_task(x())\nif c:\n    await y()\nelse:\n    await z()", True),
    "await on the same line": ("asyncio.create_task(x()); await y()", True),
    # some way out does not: left alone
    "sibling branch": ("if c:\n    asyncio.create_task(x())\nelse:\n    await y()", False),
    "early return": ("asyncio.create_task(x())\nif c:\n    return\nawait y()", False),
    "raise": ("asyncio.create_task(x())\nraise ValueError()\nawait y()", False),
    "last iteration": ("for j in jobs:\n    await j()\n    asyncio.create_task(x())", False),
    "only in a handler": ("try:\n    asyncio.create_task(x())\nexcept OSError:\n    await y()", False),
    "behind or": ("asyncio.create_task(x())\nc or await y()", False),
    "in a nested def": ("asyncio.create_task(x())\nasync def later():\n    await y()", False),
}


@pytest.mark.parametrize("name", AWAITED_AFTER)
def test_guarded_only_when_every_way_out_awaits(name):
    body, guarded = AWAITED_AFTER[name]
    text = "import asyncio\n\n\nasync def f(c, jobs):\n" + textwrap.indent(body, "    ") + "\n"
    result = apply(text)
    assert bool(result.changes) == guarded
    assert [("nothing is awaited after the spawn" in s.reason) for s in result.skips] == ([] if guarded else [True])


def test_rewrite_finds_targets_in_the_tree_it_is_given():
    # no index facts, positions shifted by an earlier transform: rewrite must not care
    text = "\n\n\n" + src("""
        import asyncio
        async def f():
            asyncio.ensure_future(x())
            await y()
        """)
    new, ctx = rewrite(text)
    assert "x_task = asyncio.ensure_future(x())" in new
    assert [(c.line, c.col) for c in ctx.changes] == [(6, 5)]


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
    body = f"\n\nasync def f():\n    {spawn}.create_task(x())\n    await y()\n"
    result = apply(head + body)
    assert result.new_text.startswith(expected), result.new_text


def test_fresh_names_do_not_shadow():
    result = apply(src("""
        import asyncio
        async def f(stack, heartbeat_task, task):
            asyncio.create_task(heartbeat())
            await stack.pop()(heartbeat_task, task)
        """))
    assert "with contextlib.ExitStack() as task_stack:" in result.new_text
    assert "background_task = asyncio.create_task(heartbeat())" in result.new_text
    assert "task_stack.callback(background_task.cancel)" in result.new_text


def test_index_is_a_superset_of_what_rewrite_acts_on():
    texts = [src(s) for s in SKIPPED.values()] + [src(b) for b, _ in PAIRS.values()]
    golden = ROOT / "golden" / "task-guard"
    texts += [p.read_text() for p in sorted(golden.glob("*/before/**/*.py"))]
    texts.append(EXAMPLE.read_text())
    for text in texts:
        _, ctx = rewrite(text)
        if ctx.changes or ctx.skips:
            assert index(text) is not None, text


# -- behaviour: guarded programs run, tasks are cancelled when their scope ends and not before -----

PROGRAM = src("""
    import asyncio

    events = []


    async def worker(name):
        events.append(f"{name} started")
        try:
            await asyncio.Event().wait()
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
    assert len(result.changes) == 4 and not result.skips
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


        async def quick():
            await asyncio.sleep(0)


        async def owner(spawned, gate):
            for _ in range(3):
                spawned.append(asyncio.create_task(quick()))
            await gate.wait()
        """)
    # `spawned.append(task)` would own the tasks: spawn them bare, and record them some other way
    text = text.replace("spawned.append(asyncio.create_task(quick()))", "asyncio.create_task(quick())")
    result = apply(text)
    assert "add_done_callback(tasks.discard)" in result.new_text
    guarded = load(result.new_text)

    async def scenario():
        gate = asyncio.Event()
        before = set(asyncio.all_tasks())
        owner = asyncio.create_task(guarded.owner([], gate))
        await asyncio.sleep(0)
        children = [weakref.ref(t) for t in asyncio.all_tasks() - before - {owner}]
        assert len(children) == 3
        await settle()
        gc.collect()
        alive = [r() for r in children if r() is not None]
        assert all(t.done() for t in alive)
        last = guarded_local(owner, "quick_task")
        gate.set()
        await owner
        return alive, last

    alive, last = asyncio.run(scenario())
    # only the last task is still referenced, by the owner's own variable: the guard keeps none
    assert alive == [last]


def guarded_local(task: asyncio.Task, name: str):
    return task.get_coro().cr_frame.f_locals[name]


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


def test_bundled_example_is_guarded_and_runs():
    text = EXAMPLE.read_text()
    result = apply(text)
    assert sorted(c.message for c in result.changes) == [
        "task `announcer` is now cancelled when serve_session() exits",
        "task `heartbeat_task` is now cancelled when serve_session() exits",
    ]
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
                asyncio.create_task(conn.ping())
                await conn.ready()
            asyncio.create_task(conn.pong())
            await conn.closed()
        """)
    after = src("""
        import asyncio
        import contextlib


        async def serve(conn):
            with contextlib.ExitStack() as stack:
                ping_task = asyncio.create_task(conn.ping())
                stack.callback(ping_task.cancel)
                await conn.ready()
            with contextlib.ExitStack() as task_stack:
                pong_task = asyncio.create_task(conn.pong())
                task_stack.callback(pong_task.cancel)
                await conn.closed()
        """)
    result = apply(text)
    assert result.new_text == after
    assert [c.line for c in result.changes] == [7, 9] and not result.skips


# -- property: on generated programs, the owner behaves exactly as before, and every task the
# -- transform reports as guarded is cancelled once its owner exits, never while the owner runs ----

from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402


def _statements(depth: int):
    simple = st.one_of(
        st.tuples(st.just("bare")),
        st.tuples(st.just("local"), st.booleans()),  # (local, used with add_done_callback)
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
            out.append(f'{pad}asyncio.create_task(work(log, "t{n}"))')
        elif kind == "local":
            out.append(f'{pad}t{n} = asyncio.ensure_future(work(log, "t{n}"))')
            if stmt[1]:
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


    def work(log, name):
        log.append(name + " spawned")
        return run(log, name)


    async def run(log, name):
        log.append(name + " start")
        try:
            for _ in range(3):
                await asyncio.sleep(0)
            log.append(name + " end")
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
def test_guarded_programs_change_only_when_tasks_end(body):
    text = PROPERTY_HEADER + "\n".join(_render(body, 1, [0])) + "\n"
    result = apply(text)
    assert apply(result.new_text).new_text == result.new_text
    compile(result.new_text, "<guarded>", "exec")

    before, log_before = _trace(text)
    after, log_after = _trace(result.new_text)
    owner_events = lambda log: [e for e in log if not e.startswith("t")]  # noqa: E731
    assert after == before
    assert owner_events(log_after) == owner_events(log_before)

    lines = text.splitlines()
    guarded = {lines[c.line - 1].split('"')[1] for c in result.changes}
    exit_at = log_after.index("OWNER EXIT")
    for name in guarded:
        count = lambda what: log_after.count(f"{name} {what}")  # noqa: E731
        # every guarded task got to run, and ended or was cancelled, never while its owner ran
        assert count("spawned") == count("start") == count("end") + count("cancelled"), log_after
        cancelled = [i for i, e in enumerate(log_after) if e == f"{name} cancelled"]
        assert all(i > exit_at for i in cancelled), log_after


def test_existing_exit_stack_is_not_used_for_spawns_in_a_loop():
    text = src("""
        import asyncio
        import contextlib


        async def f(q):
            with contextlib.ExitStack() as stack:
                asyncio.create_task(q.a())
                while True:
                    await q.get()
                    asyncio.create_task(q.b())
        """)
    new = apply(text).new_text
    assert "stack.callback(a_task.cancel)" in new
    assert "tasks.add(b_task)" in new and "b_task.add_done_callback(tasks.discard)" in new
    assert "stack.callback(b_task" not in new
    assert apply(new).new_text == new


def test_documented_example_is_what_the_transform_does():
    blocks = re.findall(r"```python\n(.*?)```", TaskGuard.doc(), flags=re.S)
    before, after = blocks[:2]
    assert apply(before).new_text == after
