"""match-hoist: rewrites, skips, names, and behaviour of the hoisted code compared with the original."""

from __future__ import annotations

import ast
import asyncio
import pickle
import subprocess
import sys
import textwrap

import pytest

from codemods.engine import apply_to_source
from codemods.transforms import get, registry
from codemods.transforms.base import SourceInfo
from codemods.transforms.match_hoist import MatchHoist


def hoist(src: str):
    src = textwrap.dedent(src).lstrip("\n")
    result = apply_to_source([MatchHoist()], src)
    assert not result.errors, result.errors
    return result


def dedent(src: str) -> str:
    return textwrap.dedent(src).lstrip("\n")


# ---------------------------------------------------------------------------------------------
# the rewrite itself


def test_issue_example_exactly():
    result = hoist(
        """
        class Client:
            async def send(self, verb, timeout=None):
                return verb


        async def run(client, cmd):
            match cmd:
                case "list":
                    await client.send("LIST", timeout=1)
                case _:
                    await client.send("NOOP", timeout=1)
        """
    )
    assert result.new_text.endswith(
        dedent(
            """
            async def run(client, cmd):
                match cmd:
                    case "list":
                        verb = "LIST"
                    case _:
                        verb = "NOOP"
                await client.send(verb, timeout=1)
            """
        )
    )
    assert [c.line for c in result.changes] == [7]
    assert "`verb`" in result.changes[0].message
    assert result.skips == []


def test_statements_before_the_tail_stay_and_comments_are_kept():
    result = hoist(
        """
        class Session:
            async def post(self, path, json=None):
                return path

        async def f(session, level, log):
            if level:
                log("loud")  # why
                await session.post("/a", json=1)
            else:
                # quiet path
                await session.post("/b", json=1)  # trailing
            return level
        """
    )
    assert result.new_text.endswith(dedent(
        """
        async def f(session, level, log):
            if level:
                log("loud")  # why
                path = "/a"
            else:
                # quiet path
                path = "/b"  # trailing
            await session.post(path, json=1)
            return level
        """
    ))


def test_a_trailing_comment_stays_with_its_arm_or_goes_with_the_call_when_every_arm_has_it():
    result = hoist(
        """
        async def send(verb, level, *, retries):
            return verb

        async def f(a):
            if a:
                await send("GET", 1, retries=3)  # the GET path
            else:
                await send("PUT", 2, retries=3)
            if a:
                await send("GET", 1, retries=3)  # retried by the bus
            else:
                await send("PUT", 1, retries=3)  # retried by the bus
        """
    )
    assert result.new_text.endswith(dedent(
        """
        async def f(a):
            if a:
                verb = "GET"
                level = 1  # the GET path
            else:
                verb = "PUT"
                level = 2
            await send(verb, level, retries=3)
            if a:
                verb = "GET"
            else:
                verb = "PUT"
            await send(verb, 1, retries=3)  # retried by the bus
        """
    ))


def test_one_line_arms_and_semicolons():
    result = hoist(
        """
        async def f(q, urgent, log):
            if urgent: log(); await q.put(None, priority=0)
            else: await q.put(None, priority=9)
        """
    )
    assert result.new_text == dedent(
        """
        async def f(q, urgent, log):
            if urgent: log(); priority = 0
            else: priority = 9
            await q.put(None, priority=priority)
        """
    )


def test_multiline_call_is_reindented_and_a_value_spanning_lines_parenthesized():
    result = hoist(
        """
        async def sink(key, end):
            return key

        async def f(a):
            if a:
                await sink(
                    "alpha"
                    "beta",
                    end=None,
                )
            else:
                await sink(
                    "other",
                    end=None,
                )
        """
    )
    assert 'key = ("alpha"\n' in result.new_text
    assert result.new_text.endswith("    await sink(\n        key,\n        end=None,\n    )\n")
    compile(result.new_text, "m", "exec")


def test_else_if_block_is_collapsed_with_the_outer_statement():
    result = hoist(
        """
        async def f(c, a, b):
            if a:
                await c.go(level=1, mode="x")
            else:
                if b:
                    await c.go(level=2, mode="x")
                else:
                    await c.go(level=3, mode="x")
        """
    )
    assert result.new_text.count("await c.go(") == 1
    assert len(result.changes) == 1
    assert "3 arms" in result.changes[0].message


def test_second_run_changes_nothing():
    src = dedent(
        """
        async def f(c, a, b):
            match a:
                case 1:
                    if b:
                        await c.go(k=1, level=1)
                    else:
                        await c.go(k=1, level=2)
                case _:
                    await c.go(k=2, level=2)
            if b:
                x = await c.go(k=1, level=1)
            else:
                x = await c.go(k=1, level=2)
            return x
        """
    )
    once = apply_to_source([MatchHoist()], src)
    twice = apply_to_source([MatchHoist()], once.new_text)
    assert once.new_text != src and twice.new_text == once.new_text
    assert twice.changes == []


# ---------------------------------------------------------------------------------------------
# left alone, with reasons


@pytest.mark.parametrize(
    "src, reason",
    [
        (
            """
            async def f(c, a):
                if a:
                    await c.go(1)
                elif a is None:
                    await c.go(2)
            """,
            "has no `else`",
        ),
        (
            """
            async def f(c, a):
                match a:
                    case 1:
                        await c.go(1)
                    case _ if a:
                        await c.go(2)
            """,
            "not irrefutable",
        ),
        (
            """
            async def f(c, a):
                if a:
                    await c.go(1)
                else:
                    await c.stop(2)
            """,
            "different callables (`c.go`, `c.stop`)",
        ),
        (
            """
            async def f(c, a):
                if a:
                    if c:
                        return
                    await c.go(1)
                else:
                    await c.go(2)
            """,
            "leave early (`return` at line 4)",
        ),
        (
            """
            async def f(c, a):
                while a:
                    if a:
                        break
                        await c.go(1)
                    else:
                        await c.go(2)
            """,
            "leave early (`break`",
        ),
        (
            """
            async def f(c, a):
                if a:
                    x = await c.go(1)
                else:
                    y = await c.go(2)
            """,
            "different targets",
        ),
        (
            """
            async def f(c, a):
                if a:
                    await c.go(1)
                else:
                    return await c.go(2)
            """,
            "different forms",
        ),
        (
            """
            async def f(c, a):
                if a:
                    await c.get().go(1)
                else:
                    await c.get().go(2)
            """,
            "not a name or an attribute chain",
        ),
        (
            """
            async def f(c, a):
                if a:
                    await c.go(1)
                else:
                    await c.go(1, 2)
            """,
            "different argument lists",
        ),
        (
            """
            async def f(c, a, xs, ys):
                if a:
                    await c.go(*xs)
                else:
                    await c.go(*ys)
            """,
            "unpacked",
        ),
        (
            """
            async def f(c, a):
                if a:
                    await c.go(1)
                else:
                    await c.go(1)
            """,
            "nothing differs",
        ),
        (
            """
            async def f(c, a):
                if a:
                    await c.go(c.reset(), 1)
                else:
                    await c.go(2, 1)
            """,
            "the differing argument `c.reset()` (line 3) would be evaluated before `c.go`",
        ),
        (
            """
            async def f(c, a, it):
                if a:
                    await send(next(it), it.count)
                else:
                    await send(next(it), it.total)
            """,
            "the differing argument `it.count` (line 3) would be evaluated before `send` and the arguments before it",
        ),
        (
            """
            async def f(c, a, xs):
                if a:
                    await send(k=build(1), *xs)
                else:
                    await send(k=build(2), *xs)
            """,
            "the differing argument `build(1)`",
        ),
        (
            """
            async def f(c, a, conn):
                if a:
                    await conn.send(CHANNELS["alerts"], c)
                else:
                    await conn.send(CHANNELS["misc"], c)
            """,
            "`CHANNELS[\"alerts\"]` (line 3) would be evaluated before `conn.send`: the order of evaluation, "
            "and which exception surfaces first, could change",
        ),
        (
            """
            async def f(c, a):
                if a:
                    await c.go(1)
                else:
                    await c.go(2)
            """,
            "the arms differ in every argument of `c.go`: hoisting would remove no duplication",
        ),
        (
            """
            async def f(c, a):
                if a:
                    await c.go(1, mode="x")
                else:
                    await c.go(2, mode="x")
            """,
            "no meaningful name for argument 1 of `c.go`",
        ),
        (
            """
            async def f(c, a, reply):
                if a:
                    await reply(c, text="Device not found")
                else:
                    await reply(c, text="Invalid state")
            """,
            "the arms pass different messages to `reply`: a message reads best beside its call",
        ),
        (
            """
            import asyncio

            async def f(c, a):
                if a:
                    await asyncio.wait_for(c.fetch_one(), timeout=1)
                else:
                    await asyncio.wait_for(c.fetch_all(), timeout=1)
            """,
            "the differing argument `c.fetch_one()` (line 5) would be evaluated before `asyncio.wait_for`",
        ),
        (
            """
            async def f(c, a):
                if a:
                    await c.go(mode="x", level=1)
                else:
                    await c.go(
                        mode="x",  # the only mode
                        level=2,
                    )
            """,
            "a comment inside the call at line 5 would be lost",
        ),
    ],
)
def test_left_alone_with_reason(src, reason):
    src = dedent(src)
    result = apply_to_source([MatchHoist()], src)
    assert result.new_text == src
    assert len(result.skips) == 1, result.skips
    assert reason in result.skips[0].reason
    assert result.skips[0].transform == "match-hoist"


def test_single_arm_and_non_await_arms_are_not_candidates():
    src = dedent(
        """
        async def f(c, a):
            if a:
                await c.go(1)
            if a:
                await c.go(1)
            else:
                c.log(2)
        """
    )
    result = apply_to_source([MatchHoist()], src)
    assert result.new_text == src and result.skips == [] and result.changes == []


def test_inner_chain_is_hoisted_when_the_outer_one_is_left_alone():
    src = dedent(
        """
        async def f(c, a, b):
            if a:
                if b:
                    await c.go(level=1, mode="x")
                else:
                    await c.go(level=2, mode="x")
            elif b:
                await c.stop()
        """
    )
    result = hoist(src)
    assert [s.line for s in result.skips] == [2]
    assert [c.line for c in result.changes] == [3]
    assert '        await c.go(level=level, mode="x")\n    elif b:' in result.new_text
    again = apply_to_source([MatchHoist()], result.new_text)
    assert again.new_text == result.new_text


# ---------------------------------------------------------------------------------------------
# names


def test_a_taken_name_is_never_reused_nor_replaced_by_an_invented_one():
    src = dedent(
        """
        verb = "GLOBAL"

        class Channel:
            async def send(self, verb, id, *, timeout):
                ...

        async def f(ch, a):
            if a:
                await ch.send("GET", 1, timeout=2)
            else:
                await ch.send("PUT", 1, timeout=3)
            return verb
        """
    )
    result = apply_to_source([MatchHoist()], src)
    assert result.new_text == src
    assert [s.reason for s in result.skips] == [
        "the name `verb` is already used in this function: another name would be invented"
    ]
    for taken in ("timeout_s = [timeout for timeout in ()]", "verb = 0"):
        other = src.replace('return verb', taken).replace('verb = "GLOBAL"', "")
        again = apply_to_source([MatchHoist()], other)
        assert again.new_text == other and "is already used in this function" in again.skips[0].reason, taken


def test_keyword_name_and_resolved_parameter_name():
    result = hoist(
        """
        async def publish(topic, payload, *, retain=False):
            ...

        async def f(a, v):
            if a:
                await publish("t/a", v, retain=True)
            else:
                await publish("t/b", v, retain=False)
        """
    )
    assert "await publish(topic, v, retain=retain)" in result.new_text


def test_the_same_argument_of_the_same_callee_reuses_its_name_in_one_function():
    result = hoist(
        """
        async def f(c, a, b):
            if a:
                await c.go(level=1, mode="x")
            else:
                await c.go(level=2, mode="x")
            if b:
                await c.go(level=3, mode="y")
            else:
                await c.go(level=4, mode="y")
        """
    )
    assert len(result.changes) == 2 and result.new_text.count("level = ") == 4


def test_nested_function_sees_the_enclosing_locals_as_taken():
    src = dedent(
        """
        def outer(level):
            async def inner(c, a):
                if a:
                    await c.go(level=1, mode="x")
                else:
                    await c.go(level=2, mode="x")
                return level
            return inner
        """
    )
    result = apply_to_source([MatchHoist()], src)
    assert result.new_text == src and "`level` is already used" in result.skips[0].reason


# ---------------------------------------------------------------------------------------------
# behaviour: the hoisted code does what the original did, on every path

BEHAVIOUR = '''
import asyncio
from dataclasses import dataclass

EVENTS = []


class Client:
    def __init__(self):
        self.calls = []

    async def send(self, verb, payload=None, *, timeout=None, retries=0):
        await asyncio.sleep(0)
        self.calls.append((verb, payload, timeout, retries))
        return f"{verb}/{payload}/{timeout}/{retries}"


@dataclass
class Ping:
    seq: int


def note(x):
    EVENTS.append(x)
    return x


async def dispatch(client, cmd):
    match cmd:
        case "list":
            await client.send("LIST", None, timeout=1, retries=3)
        case Ping(seq=seq) if seq > 2:
            note("big ping")
            await client.send("PING", seq, timeout=2, retries=3)
        case {"op": op, "data": data}:
            await client.send(op, data, timeout=1, retries=3)
        case [first, *rest]:
            await client.send(first, rest, timeout=3, retries=3)
        case other:
            await client.send("NOOP", other, timeout=1, retries=3)
    return client.calls


async def chain(client, level, extra):
    if level > 10:
        result = await client.send("HIGH", extra, timeout=level, retries=1)
    elif level > 5:
        note("mid")
        if extra:
            result = await client.send("MID", extra, timeout=level, retries=1)
        else:
            result = await client.send("MID", None, timeout=0, retries=1)
    else:
        result = await client.send("LOW", extra, timeout=level, retries=1)
    return result, client.calls


async def returning(client, key):
    if key is None:
        return await client.send("ALL", None, timeout=0)
    elif isinstance(key, int):
        return await client.send("ONE", key, timeout=0)
    else:
        return await client.send("MANY", key, timeout=0)


async def record(tag, value):
    EVENTS.append(("record", tag, value))


async def named(client, flag):
    # a call in the differing argument would run before the callee lookup: left alone
    if flag:
        await record(note("a"), 1)
    else:
        await record(note("b"), 1)
    return flag


async def looping(client, items):
    for item in items:
        if item % 3 == 0:
            for part in range(item):
                if part == 1:
                    break
            await client.send("FIZZ", item)
        else:
            await client.send("PLAIN", item)
    return client.calls
'''


def _run(text: str, fn: str, *args):
    ns: dict = {}
    exec(compile(text, "behaviour.py", "exec"), ns)
    ns["EVENTS"].clear()
    result = asyncio.run(ns[fn](ns["Client"](), *args))
    return result, list(ns["EVENTS"])


@pytest.fixture(scope="module")
def hoisted() -> str:
    result = apply_to_source([MatchHoist()], BEHAVIOUR)
    assert not result.errors
    assert [s.reason.split(" (")[0] for s in result.skips] == ["the differing argument `note(\"a\")`"]
    assert len(result.changes) == 4
    assert result.new_text.count("await client.send(") == 4
    assert result.new_text.count("await record(") == 2
    return result.new_text


@pytest.mark.parametrize(
    "fn, args",
    [
        ("dispatch", ("list",)),
        ("dispatch", ("Ping",)),
        ("dispatch", ({"op": "put", "data": 7},)),
        ("dispatch", (["a", "b", "c"],)),
        ("dispatch", (42,)),
        ("chain", (11, "x")),
        ("chain", (7, "y")),
        ("chain", (7, "")),
        ("chain", (1, "z")),
        ("returning", (None,)),
        ("returning", (3,)),
        ("returning", ("ab",)),
        ("looping", ([1, 3, 6, 7, 9],)),
        ("named", (True,)),
        ("named", (False,)),
    ],
)
def test_hoisted_code_behaves_like_the_original(hoisted, fn, args):
    assert _run(hoisted, fn, *args) == _run(BEHAVIOUR, fn, *args)


def test_hoisted_code_behaves_like_the_original_for_guarded_ping(hoisted):
    ns: dict = {}
    exec(compile(BEHAVIOUR, "b", "exec"), ns)
    for seq in (1, 3):
        ping = ns["Ping"](seq)
        before = _run(BEHAVIOUR, "dispatch", ping)
        after = _run(hoisted, "dispatch", ping)
        assert repr(before) == repr(after)


# ---------------------------------------------------------------------------------------------
# contract


def test_index_is_small_picklable_and_none_without_candidates():
    t = MatchHoist()
    src = BEHAVIOUR
    facts = t.index(SourceInfo("m.py", "m", False, src), ast.parse(src))
    assert facts and pickle.loads(pickle.dumps(facts)) == facts
    assert all(isinstance(line, int) for line in facts)
    plain = "async def f(c):\n    if c:\n        await c.go()\n    return 1\n"
    assert t.index(SourceInfo("m.py", "m", False, plain), ast.parse(plain)) is None


def test_registered_with_ruff_shaped_doc():
    cls = get("match-hoist")
    assert cls is MatchHoist and not cls.in_all  # opt-in: a readability rewrite, nothing gained at run time
    assert cls.rules == ("CM302",)
    doc = cls.doc()
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert heading in doc
    assert "\n" not in cls.summary


def test_cli_lists_and_explains():
    listed = subprocess.run([sys.executable, "-m", "codemods", "list"], capture_output=True, text=True)
    assert listed.returncode == 0 and "match-hoist" in listed.stdout and "delegate-elide" in listed.stdout
    explained = subprocess.run(
        [sys.executable, "-m", "codemods", "explain", "match-hoist"], capture_output=True, text=True
    )
    assert explained.returncode == 0 and "Fix safety" in explained.stdout
    assert "match-hoist" in registry()


def test_example_service_commands_are_left_alone_with_reasons():
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / "service" / "commands.py"
    original = path.read_text(encoding="utf-8")
    result = apply_to_source([MatchHoist()], original, path="examples/service/commands.py")
    # the arms differ in f-string messages: binding them apart from the call would read worse (and an
    # f-string runs code, which would now run before `self.bus.post` is looked up); report() differs in
    # every argument, so there is no duplication to remove
    assert not result.errors and not result.changes and result.new_text == original
    assert [s.reason.split(" would")[0].split(":")[0] for s in result.skips] == [
        'the differing argument `f"room/{room}"` (line 43)',
        "the arms differ in every argument of `self.bus.post`",
    ]


# ---------------------------------------------------------------------------------------------
# generated dispatchers: whatever the transform decides, the rewritten code behaves the same

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

GENERATED_PRELUDE = '''
EVENTS = []


def note(x):
    EVENTS.append(("note", x))
    return x


async def send(*args, **kwargs):
    EVENTS.append(("send", args, kwargs))
    return len(EVENTS)


class Conn:
    async def send(self, *args, **kwargs):
        return await send(*args, **kwargs)
'''

_ARG_VALUES = st.sampled_from(["1", "'x'", "a", "y", "y", "(y := b)", "(y := b)", "note(a)", "note(y)"])


@st.composite
def _dispatcher(draw):
    arms = draw(st.integers(2, 4))
    slots = [None] * draw(st.integers(1, 3))
    slots += draw(st.lists(st.sampled_from(["k", "timeout"]), max_size=1))
    # each argument is either common to every arm (one value) or drawn per arm
    common = {i: draw(_ARG_VALUES) for i in range(len(slots)) if draw(st.booleans())}
    callee = draw(st.sampled_from(["send", "c.send"]))
    form = draw(st.sampled_from(["expr", "assign", "return"]))
    use_match = draw(st.booleans())
    exhaustive = draw(st.sampled_from([True, True, True, False]))
    lines = ["async def f(c, a, b):", "    y = 0"]
    if use_match:
        lines.append("    match a:")
    for arm in range(arms):
        last = arm == arms - 1
        if use_match:
            lines.append("        case _:" if last and exhaustive else f"        case {arm}:")
            indent = "            "
        else:
            head = "if" if arm == 0 else "elif"
            lines.append("    else:" if last and exhaustive else f"    {head} a == {arm}:")
            indent = "        "
        if draw(st.booleans()):
            lines.append(f"{indent}note('arm{arm}')")
        args = []
        for i, keyword in enumerate(slots):
            value = common[i] if i in common else draw(_ARG_VALUES)
            args.append(value if keyword is None else f"{keyword}={value}")
        call = f"await {callee}({', '.join(args)})"
        tail = {"expr": call, "assign": f"r = {call}", "return": f"return {call}"}[form]
        lines.append(indent + tail)
    lines.append("    return r, EVENTS" if form == "assign" else "    return EVENTS")
    return GENERATED_PRELUDE + "\n\n" + "\n".join(lines) + "\n"


def _outcomes(text: str):
    results = []
    for a in range(5):
        ns: dict = {}
        exec(compile(text, "generated.py", "exec"), ns)
        try:
            results.append(repr(asyncio.run(ns["f"](ns["Conn"](), a, 10))))
        except Exception as exc:  # a path that awaits nothing may fail to return `r`: same in both
            results.append(f"{type(exc).__name__}: {list(ns['EVENTS'])}")
    return results


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_dispatcher())
def test_generated_dispatchers_behave_the_same_after_the_rewrite(src):
    result = apply_to_source([MatchHoist()], src)
    assert not result.errors, result.errors
    assert len(result.changes) + len(result.skips) == 1, (result.changes, result.skips)
    if result.changes:
        assert result.new_text.count("await ") == GENERATED_PRELUDE.count("await ") + 1
        assert _outcomes(result.new_text) == _outcomes(src)
        assert apply_to_source([MatchHoist()], result.new_text).new_text == result.new_text
    else:
        assert result.new_text == src
