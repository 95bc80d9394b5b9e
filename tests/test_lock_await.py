"""lock-await: unit tests (before/after tables, skips, options) and behavioural tests (programs print the
same before and after the transform)."""

from __future__ import annotations

import ast
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from codemods.engine import apply_to_source
from codemods.transforms import registry
from codemods.transforms.base import SourceInfo
from codemods.transforms.lock_await import LockAwait

from .conftest import GOLDEN, ROOT

HEADER = "import asyncio\n\n\n"


def run(src: str, **options):
    src = textwrap.dedent(src)
    result = apply_to_source([LockAwait(options or None)], src)
    assert not result.errors, result.errors
    return result


def fix(src: str, **options) -> str:
    return run(src, **options).new_text


def skips(src: str, **options) -> list[str]:
    return [f"{s.line}:{s.col}: {s.reason}" for s in run(src, **options).skips]


def dedent(text: str) -> str:
    return textwrap.dedent(text)


# --------------------------------------------------------------------------------------------
# registration, docs, index


def test_registered_with_ruff_style_doc():
    cls = registry()["lock-await"]
    assert cls is LockAwait
    doc = cls.doc()
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert heading in doc
    assert "after the lock is released" in doc
    assert "unsafe" in doc
    assert "\n" not in cls.summary


def test_unknown_option_is_rejected():
    with pytest.raises(ValueError, match="lock-patterns"):
        LockAwait({"lock-pattern": ["*"]})


def _index(src: str):
    src = dedent(src)
    return LockAwait().index(SourceInfo("m.py", "m", False, src), ast.parse(src))


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
        """
    )
    assert facts == ((7, 9),)
    assert pickle.loads(pickle.dumps(facts)) == facts


def test_index_returns_none_without_candidates():
    assert _index("async def f(session):\n    async with session:\n        await session.get()\n") is None
    assert _index("def f(lock):\n    with lock:\n        pass\n") is None


# --------------------------------------------------------------------------------------------
# what moves


def test_trailing_await_and_return_move_after_the_block():
    before = HEADER + dedent(
        """\
        class Store:
            def __init__(self):
                self._lock = asyncio.Lock()
                self._data = {}

            async def remove(self, key):
                async with self._lock:
                    value = self._data.pop(key)
                    # tell them
                    await self._observer.on_evict(key, value)
                    return value
        """
    )
    after = HEADER + dedent(
        """\
        class Store:
            def __init__(self):
                self._lock = asyncio.Lock()
                self._data = {}

            async def remove(self, key):
                async with self._lock:
                    value = self._data.pop(key)
                # tell them
                await self._observer.on_evict(key, value)
                return value
        """
    )
    result = run(before)
    assert result.new_text == after
    assert [(c.line, c.col) for c in result.changes] == [(13, 13)]
    assert "after the lock is released" in result.changes[0].message
    assert result.skips == []


def test_middle_await_captures_what_the_rest_of_the_block_changes():
    before = HEADER + dedent(
        """\
        lock = asyncio.Lock()
        state = {"n": 0}

        async def bump(key, notify):
            async with lock:
                count = state["n"]
                await notify(key, count, state["n"] * 2)
                count += 1
                state["n"] = count
        """
    )
    after = HEADER + dedent(
        """\
        lock = asyncio.Lock()
        state = {"n": 0}

        async def bump(key, notify):
            async with lock:
                count = state["n"]
                old_count = count
                state_item = state["n"] * 2
                count += 1
                state["n"] = count
            await notify(key, old_count, state_item)
        """
    )
    assert fix(before) == after


def test_capture_names_never_shadow_names_in_scope():
    before = HEADER + dedent(
        """\
        lock = asyncio.Lock()
        old_count = 0

        async def bump(notify, count_item):
            async with lock:
                count = len(seen)
                await notify(count)
                count = 2
                seen.append(count)
        """
    )
    out = fix(before)
    assert "old_count_2 = count" in out
    assert "await notify(old_count_2)" in out


def test_awaits_in_a_loop_are_collected_and_run_in_order():
    before = HEADER + dedent(
        """\
        class Table:
            def __init__(self):
                self._lock = asyncio.Lock()

            async def prune(self, now):
                async with self._lock:
                    expired = [k for k, t in self._items.items() if t <= now]
                    for key in expired:
                        deadline = self._items.pop(key)
                        await self._observer.on_expire(key, now - deadline)
                    return len(expired)
        """
    )
    after = HEADER + dedent(
        """\
        class Table:
            def __init__(self):
                self._lock = asyncio.Lock()

            async def prune(self, now):
                pending_expire = []
                async with self._lock:
                    expired = [k for k, t in self._items.items() if t <= now]
                    for key in expired:
                        deadline = self._items.pop(key)
                        pending_expire.append((key, now - deadline))
                    expired_count = len(expired)
                for key, difference in pending_expire:
                    await self._observer.on_expire(key, difference)
                return expired_count
        """
    )
    assert fix(before) == after


def test_if_of_locals_moves_whole():
    before = HEADER + dedent(
        """\
        lock = asyncio.Lock()

        async def drop(registry, name, bus):
            async with lock:
                handler = registry.pop(name, None)
                if handler is not None:
                    await bus.publish(name, handler)
        """
    )
    after = HEADER + dedent(
        """\
        lock = asyncio.Lock()

        async def drop(registry, name, bus):
            async with lock:
                handler = registry.pop(name, None)
            if handler is not None:
                await bus.publish(name, handler)
        """
    )
    assert fix(before) == after


def test_threading_lock_captures_shared_reads_even_at_the_end():
    before = dedent(
        """\
        import threading as th

        REG_GUARD = th.RLock()
        registry = {}

        async def register(name, obj, bus):
            with REG_GUARD:
                registry[name] = obj
                await bus.publish(name, registry[name])
        """
    )
    out = fix(before)
    assert "        registry_item = registry[name]\n    await bus.publish(name, registry_item)\n" in out


def test_lock_found_through_import_alias_and_annotation():
    before = dedent(
        """\
        import asyncio as aio
        from anyio import Lock as L

        class C:
            _state: aio.Condition

            def __init__(self):
                self._door = L()
                self._state = aio.Condition()

            async def a(self):
                async with self._door:
                    self.x = 1
                    await self.obs.tell()

            async def b(self):
                async with self._state:
                    self.x = 2
                    await self.obs.tell()
        """
    )
    out = fix(before)
    assert out.count("        await self.obs.tell()\n") == 2


def test_non_lock_context_managers_are_ignored():
    src = HEADER + dedent(
        """\
        async def f(session, door):
            async with session:
                x = 1
                await session.get(x)
            async with door.opener:
                await door.knock()
        """
    )
    result = run(src)
    assert result.new_text == src
    assert result.skips == [] and result.changes == []


def test_lock_patterns_option_replaces_the_defaults():
    src = HEADER + dedent(
        """\
        async def f(self):
            async with self._gate:
                self.n += 1
                await self.obs.tell()
            async with self._lock:
                self.n += 1
                await self.obs.tell()
        """
    )
    out = fix(src, **{"lock-patterns": ["*GATE*"]})
    assert out.count("\n    await self.obs.tell()\n") == 1
    assert "self._gate:\n        self.n += 1\n    await self.obs.tell()" in out
    out = fix(src)
    assert "self._lock:\n        self.n += 1\n    await self.obs.tell()" in out


def test_with_in_an_outer_loop_gets_fresh_loop_names():
    src = HEADER + dedent(
        """\
        lock = asyncio.Lock()

        async def drain(queue, deliver):
            for _ in range(2):
                async with lock:
                    while queue:
                        item = queue.pop()
                        await deliver(item)
        """
    )
    out = fix(src)
    assert "pending_deliver.append(item)" in out
    assert "for old_item in pending_deliver:\n            await deliver(old_item)" in out


# --------------------------------------------------------------------------------------------
# what stays, with a reason


def test_skips_with_reasons():
    src = HEADER + dedent(
        """\
        class C:
            def __init__(self):
                self._lock = asyncio.Lock()
                self._cond = asyncio.Condition()
                self._sem = asyncio.Semaphore(2)

            async def wait(self):
                async with self._cond:
                    await self._cond.wait()
                    self.n += 1

            async def result_used(self):
                async with self._lock:
                    v = await self.obs.load()
                    self.v = v

            async def in_try(self):
                async with self._lock:
                    try:
                        self.n += 1
                        await self.obs.tell()
                    finally:
                        self.n -= 1

            async def raises_after(self):
                async with self._lock:
                    await self.obs.tell()
                    if self.n < 0:
                        raise ValueError
                    self.n -= 1

            async def serializes(self):
                async with self._lock:
                    await self.obs.refresh()

            async def sem(self):
                async with self._sem:
                    self.n += 1
                    await self.obs.fetch()

            async def nested(self):
                async with self._lock:
                    async for item in self.stream():
                        self.items.append(item)
        """
    )
    got = skips(src)
    assert got == [
        "12:13: `await self._cond.wait()` releases the condition while it waits and must run inside `async with self._cond`",
        "17:17: its result `v` is used inside `async with self._lock` (line 18)",
        "24:17: inside `try` within `async with self._lock`: moving it would change which handler sees its exceptions",
        "30:13: the rest of `async with self._lock` may leave it early (line 32), which would skip the await once moved after the block",
        "37:13: `async with self._lock` holds the lock only around its awaits: the lock serializes them, so they stay",
        "42:13: `self._sem` is a semaphore: it exists to bound how many tasks run this await at once",
        "46:13: `async for` awaits on every iteration inside `async with self._lock`; not moved",
    ]
    assert run(src).new_text == textwrap.dedent(src)


def test_earlier_awaits_do_not_jump_over_one_that_stays():
    src = HEADER + dedent(
        """\
        class C:
            def __init__(self):
                self._cond = asyncio.Condition()

            async def f(self):
                async with self._cond:
                    self.n += 1
                    await self.obs.tell()
                    await self._cond.wait()
                    self.n -= 1
                    await self.obs.tell()
        """
    )
    result = run(src)
    assert [s.line for s in result.skips] == [11, 12]
    assert "a later await (line 12) stays" in result.skips[0].reason
    # the await after the wait still moves
    assert [c.line for c in result.changes] == [14]
    assert result.new_text.endswith("            self.n -= 1\n        await self.obs.tell()\n")


def test_object_changed_after_the_await_stays():
    src = HEADER + dedent(
        """\
        lock = asyncio.Lock()

        async def f(entry, tell):
            async with lock:
                entry.count += 1
                await tell(entry)
                entry.seen = True
        """
    )
    assert skips(src) == [
        "9:9: the rest of `async with lock` changes the object `entry` after the await's position, and the awaited call receives it"
    ]


def test_dead_code_after_a_return_is_not_revived():
    src = HEADER + dedent(
        """\
        lock = asyncio.Lock()

        async def f(self):
            async with lock:
                self.n += 1
                await self.obs.tell()
                return 1
                self.n = 0
        """
    )
    result = run(src)
    assert result.new_text == dedent(src)
    assert result.changes == []
    assert len(result.skips) == 1


def test_second_run_changes_nothing_and_no_await_left_unreported():
    for path in sorted(GOLDEN.glob("lock-await/*/before/*.py")) + [ROOT / "examples/service/cache.py"]:
        src = path.read_text()
        first = apply_to_source([LockAwait()], src, path=path.name)
        again = apply_to_source([LockAwait()], first.new_text, path=path.name)
        assert again.new_text == first.new_text, path
        assert again.changes == [], path
        # every await still inside a lock block is one the transform reported
        assert _awaits_in_lock_blocks(first.new_text) == len(again.skips), path


def _awaits_in_lock_blocks(src: str) -> int:
    """Await points lexically inside the lock blocks index() finds (nested defs excluded)."""
    tree = ast.parse(src)
    facts = LockAwait().index(SourceInfo("m.py", "m", False, src), tree) or ()
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.With, ast.AsyncWith)) and (node.lineno, node.col_offset + 1) in facts:
            todo = list(node.body)
            while todo:
                n = todo.pop()
                if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                    continue
                if isinstance(n, (ast.Await, ast.AsyncFor, ast.AsyncWith)) or (
                    isinstance(n, ast.comprehension) and n.is_async
                ):
                    found.add(id(n))
                todo.extend(ast.iter_child_nodes(n))
    return len(found)


# --------------------------------------------------------------------------------------------
# behaviour: the programs print the same before and after


def _run_program(directory: Path, module: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", module], cwd=directory, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


SEED_CASES = ["seed-insert-arc", "seed-remove-observer", "seed-prune-expired"]


@pytest.mark.parametrize("case", SEED_CASES)
def test_seed_shapes_behave_the_same(case: str, tmp_path: Path):
    (source,) = (GOLDEN / "lock-await" / case / "before").glob("*.py")
    before_dir, after_dir = tmp_path / "before", tmp_path / "after"
    before_dir.mkdir()
    after_dir.mkdir()
    text = source.read_text()
    result = apply_to_source([LockAwait()], text, path=source.name)
    assert result.changes and not result.errors
    (before_dir / source.name).write_text(text)
    (after_dir / source.name).write_text(result.new_text)
    before = _run_program(before_dir, source.stem)
    assert before.strip()
    assert _run_program(after_dir, source.stem) == before


def test_example_cache_behaves_the_same(tmp_path: Path):
    text = (ROOT / "examples/service/cache.py").read_text()
    result = apply_to_source([LockAwait()], text, path="examples/service/cache.py")
    assert len(result.changes) == 3 and not result.skips
    for name, content in (("before", text), ("after", result.new_text)):
        pkg = tmp_path / name / "examples" / "service"
        pkg.mkdir(parents=True)
        (pkg.parent / "__init__.py").write_text("")
        (pkg / "__init__.py").write_text("")
        (pkg / "cache.py").write_text(content)
    before = _run_program(tmp_path / "before", "examples.service.cache")
    assert "evicted" in before
    assert _run_program(tmp_path / "after", "examples.service.cache") == before


CAPTURE_PROGRAM = '''
import asyncio

class Counter:
    def __init__(self):
        self._lock = asyncio.Lock()
        self.values = {"a": 1}
        self.seen = []
        self.obs = self  # what is told: reached through an attribute, as an observer would be

    async def tell(self, *args):
        await asyncio.sleep(0)
        self.seen.append(args)

    async def bump(self, key):
        async with self._lock:
            n = self.values.get(key, 0)
            await self.obs.tell(key, n, self.values.get(key), len(self.values))
            n += 10
            self.values[key] = n
            self.values["total"] = sum(v for k, v in self.values.items() if k != "total")
            await self.obs.tell("total", self.values["total"])
        return n

async def main():
    c = Counter()
    print(await asyncio.gather(c.bump("a"), c.bump("b"), c.bump("a")))
    print(sorted(c.values.items()), sorted(c.seen))

asyncio.run(main())
'''


def test_captured_arguments_keep_their_values(tmp_path: Path):
    result = apply_to_source([LockAwait()], CAPTURE_PROGRAM)
    assert len(result.changes) == 2, result.new_text
    assert "old_n = n" in result.new_text
    (tmp_path / "before.py").write_text(CAPTURE_PROGRAM)
    (tmp_path / "after.py").write_text(result.new_text)
    outs = [
        subprocess.run([sys.executable, str(tmp_path / f"{n}.py")], capture_output=True, text=True, timeout=60)
        for n in ("before", "after")
    ]
    assert all(o.returncode == 0 for o in outs), [o.stderr for o in outs]
    assert outs[0].stdout == outs[1].stdout


# --------------------------------------------------------------------------------------------
# differential: random lock blocks run one operation at a time return and report the same

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
    "self.items.clear()",
    "self.data.pop(key, None)",
    "y = x",
    "x = await self.obs.fetch(x)",
    "await self.obs.tell(*self.items)",
    "await self.obs.tell(k={a})",
    "if flag:\n    x = await self.obs.fetch({a})",
    "try:\n    await self.obs.tell({a})\nexcept Exception:\n    self.n -= 1",
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
    namespace: dict = {"__name__": "lock_await_differential"}
    exec(compile(src, "<differential>", "exec"), namespace)
    return asyncio_run(namespace["main"]())


def asyncio_run(coro):
    import asyncio

    return asyncio.run(coro)


@settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
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


def test_index_sees_locks_constructed_through_an_import_alias():
    src = """
        from asyncio import Lock as Door

        class C:
            def __init__(self):
                self._entry = Door()

            async def f(self):
                async with self._entry:
                    self.n = 1
                    await self.obs.tell()
        """
    assert _index(src) == ((9, 9),)
    assert "        await self.obs.tell()\n" in fix(src)


def test_parameter_annotated_as_lock():
    src = """
        import asyncio

        async def update(guard: asyncio.Lock, state, notify):
            async with guard:
                state.n += 1
                await notify(state.n)
        """
    assert _index(src) == ((5, 5),)
    assert "\n    await notify(state.n)\n" in fix(src)


COMMAND_REPLY_PROGRAM = '''\
import asyncio


class Connection:
    """The lock pairs each command with its reply (aiosmtplib's execute_command)."""

    def __init__(self):
        self._command_lock = asyncio.Lock()
        self._waiter = None
        self.log = []
        self.observer = self

    def write(self, command):
        asyncio.get_running_loop().call_later(0.01, self._deliver, f"reply to {command}")

    def _deliver(self, reply):
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(reply)

    async def read_response(self):
        self._waiter = asyncio.get_running_loop().create_future()
        return await self._waiter

    async def told(self, command, response):
        self.log.append((command, response))

    async def execute_command(self, command):
        async with self._command_lock:
            self.write(command)
            response = await self.read_response()
            await self.observer.told(command, response)
        return response


async def main():
    conn = Connection()
    replies = await asyncio.wait_for(asyncio.gather(*(conn.execute_command(c) for c in "abc")), 5)
    print(replies, sorted(conn.log))


asyncio.run(main())
'''


def test_an_operation_of_the_lock_owner_stays_and_the_program_still_works(tmp_path: Path):
    """Found on aiosmtplib by benchmarks/realworld.py: moving the reply read out of the command lock let
    another command in between, and gather never completed."""
    result = apply_to_source([LockAwait()], COMMAND_REPLY_PROGRAM)
    assert [s.reason.split(":")[0] for s in result.skips] == ["`await self.read_response()` is an operation of the object that owns `self._command_lock`"]
    assert len(result.changes) == 1  # the observer, another object, is told after the lock is released
    assert "            response = await self.read_response()\n        await self.observer.told" in result.new_text
    (tmp_path / "before.py").write_text(COMMAND_REPLY_PROGRAM)
    (tmp_path / "after.py").write_text(result.new_text)
    outs = [
        subprocess.run([sys.executable, str(tmp_path / f"{n}.py")], capture_output=True, text=True, timeout=60)
        for n in ("before", "after")
    ]
    assert all(o.returncode == 0 for o in outs), [o.stderr for o in outs]
    assert outs[0].stdout == outs[1].stdout and "reply to c" in outs[0].stdout


def test_lock_name_words():
    from codemods.transforms.lock_await import _name_words

    assert _name_words("_send_lock") == {"send", "lock"}
    assert _name_words("sendFrameLock") == {"send", "frame", "lock"}
    assert _name_words("_lock") == {"lock"}


def test_a_lock_named_after_the_awaited_operation_keeps_it():
    src = HEADER + dedent(
        """\
        class Writer:
            def __init__(self, stream):
                self._write_lock = asyncio.Lock()
                self._stream = stream
                self.frames = 0

            async def write_frame(self, frame):
                async with self._write_lock:
                    self.frames += 1
                    await self._stream.write(frame)
        """
    )
    assert fix(src) == src
    assert skips(src) == [
        "13:13: `self._write_lock` is named after the awaited `self._stream.write(frame)` (write): it exists "
        "to serialize that operation, so it stays inside `async with self._write_lock`"
    ]
