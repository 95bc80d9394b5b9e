"""Property-based tests: every transform, thrown at programs nobody wrote for it.

Three sources of programs, all run through :func:`codemods.engine.apply_to_source`:

- modules that hypothesmith generates from Python's grammar (``from_grammar``) and from LibCST's
  node types (``from_node``): valid Python, but rarely async;
- asyncio-shaped modules built here from fragments (async defs, awaits, ``async with lock:`` blocks,
  ``create_task`` calls, ``match`` and ``if`` chains whose arms end in awaits, delegations...), so
  that the transforms actually fire;
- mutations of the golden inputs (``golden/*/*/before/**/*.py``): statements removed, duplicated,
  swapped, names renamed, ``async`` toggled, ``await`` dropped, fragments inserted, CRLF endings.

For each transform alone, and for all the default ones together: applying it never raises and
reports no internal error, the output parses (LibCST) and compiles, and a second run changes nothing.

Bounded (``max_examples``) so that the file runs in well under a minute on 2 cores. In CI
(``CI`` set) the examples are derandomized, so that a run's outcome does not depend on luck;
elsewhere each run explores new examples (and hypothesis keeps failures in ``.hypothesis/``).
"""

from __future__ import annotations

import ast
import os
import re
import warnings
from pathlib import Path

import hypothesmith
import libcst as cst
import pytest
from hypothesis import HealthCheck, Phase, assume, currently_in_test_context, find, given, note, settings
from hypothesis import strategies as st

from codemods.engine import apply_to_source
from codemods.source import SourceError, decode
from codemods.transforms import registry

ROOT = Path(__file__).resolve().parent.parent

NAMES = sorted(registry())
DEFAULT_NAMES = sorted(n for n, cls in registry().items() if cls.in_all)
SELECTIONS = [(n,) for n in NAMES] + [tuple(DEFAULT_NAMES)]
SELECTION_IDS = [*NAMES, "all"]

COMMON = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    derandomize=bool(os.environ.get("CI")),
    print_blob=True,
)


def transforms_for(names: tuple[str, ...]):
    reg = registry()
    return [reg[n]() for n in names]


def _note(text: str) -> None:
    """hypothesis.note inside a property test; nothing elsewhere (the assertion messages say enough)."""
    if currently_in_test_context():
        note(text)


def check_transforms(names: tuple[str, ...], source: str, path: str = "mod.py") -> str:
    """Apply ``names`` to ``source``; assert the properties; return the output."""
    _note(f"transforms: {', '.join(names)}")
    _note(f"source:\n{source}")
    try:
        cst.parse_module(source)
    except cst.ParserSyntaxError:
        # CPython parses it, LibCST's tokenizer does not (`"\\\r\n"` at the end of a file): the engine
        # reports such a file as an error and no transform sees it
        result = apply_to_source(transforms_for(names), source, path=path)
        assert result.new_text == source and all("LibCST cannot parse it" in e for e in result.errors)
        if currently_in_test_context():
            assume(False)
        return source
    result = apply_to_source(transforms_for(names), source, path=path)
    assert not result.errors, (path, result.errors)
    out = result.new_text
    if out != source:
        _note(f"output:\n{out}")
    cst.parse_module(out)
    quiet_compile(out, path)
    again = apply_to_source(transforms_for(names), out, path=path)
    assert not again.errors, again.errors
    assert again.new_text == out, "a second run changed the output again"
    assert not again.changes, again.changes
    return out


def quiet_compile(source: str, path: str = "mod.py") -> None:
    """compile(), without the SyntaxWarnings generated code is full of (`"a"[1, 2]`, `is 1`...)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        compile(source, path, "exec", dont_inherit=True)


def compiles(source: str) -> bool:
    try:
        quiet_compile(source)
    except (SyntaxError, ValueError):
        return False
    return True


# ---------------------------------------------------------------------------------------------
# 1. hypothesmith: valid Python from the grammar and from LibCST's nodes


@pytest.mark.parametrize("names", SELECTIONS, ids=SELECTION_IDS)
@settings(max_examples=20, **COMMON)
@given(source=hypothesmith.from_grammar())
def test_grammar_generated_modules(names, source):
    check_transforms(names, source)


@settings(max_examples=8, **COMMON)
@given(source=hypothesmith.from_node())
def test_node_generated_modules(source):
    # from_node is slow to draw: one module feeds every transform
    for names in SELECTIONS:
        check_transforms(names, source)


# ---------------------------------------------------------------------------------------------
# 2. asyncio-shaped modules built from fragments

VARS = ["item", "key", "value", "result", "count", "data"]
ARGS = ["item", "key", "value", "count", "1", "'x'", "None", "self_count", "len(items)"]
CALLEES = ["fetch", "store", "notify", "helper", "client.send", "observer.on_evict", "SENDER.send"]
METHOD_CALLEES = ["self.send", "self._refresh", "self.observer.on_evict", "self.helper_method"]
LOCKS = ["lock", "state_lock", "mutex", "sem", "cond"]
METHOD_LOCKS = ["self._lock", "self._write_lock", "self._cond"]
SPAWNS = [
    "asyncio.create_task(work({a}))",
    "asyncio.ensure_future(work({a}))",
    "aio.create_task(work({a}))",
    "spawn(work({a}))",
    "asyncio.get_running_loop().create_task(work({a}))",
]
MAX_DEPTH = 3

PRELUDE = '''\
import asyncio
import asyncio as aio
import subprocess
import threading
import time
from asyncio import create_task as spawn

lock = asyncio.Lock()
state_lock = asyncio.Lock()
sem = asyncio.Semaphore(2)
cond = asyncio.Condition()
mutex = threading.Lock()
items = {}
tasks = set()


async def fetch(*args, **kwargs):
    return args


async def store(*args, **kwargs):
    await asyncio.sleep(0)


async def notify(*args):
    pass


async def helper(value=None):
    return value


async def work(*args):
    await asyncio.sleep(0)


async def stream():
    yield 1
'''


class Gen:
    """Draws one asyncio-shaped module; every statement is valid where it is put."""

    def __init__(self, draw):
        self.draw = draw
        self.counter = 0

    def pick(self, options):
        return self.draw(st.sampled_from(options))

    def fresh(self, stem):
        self.counter += 1
        return f"{stem}_{self.counter}"

    def args(self, n_max=2):
        n = self.draw(st.integers(0, n_max))
        return ", ".join(self.pick(ARGS) for _ in range(n))

    def callee(self, method):
        return self.pick(CALLEES + (METHOD_CALLEES if method else []))

    # -- statements: each returns a list of lines, indented relative to the block
    def simple(self, ctx):
        method, in_loop = ctx["method"], ctx["loop"]
        c = self.callee(method)
        kinds = ["await", "assign_await", "assign", "store_item", "spawn", "spawn_local",
                 "spawn_set", "pass", "aug", "del", "blocking"]
        if in_loop:
            kinds += ["break", "continue"]
        kind = self.pick(kinds)
        v = self.pick(VARS)
        if kind == "await":
            return [f"await {c}({self.args()})"]
        if kind == "assign_await":
            return [f"{v} = await {c}({self.args()})"]
        if kind == "assign":
            return [f"{v} = {self.pick(ARGS)}"]
        if kind == "store_item":
            target = "self.items" if method and self.draw(st.booleans()) else "items"
            return [f"{target}[{self.pick(ARGS)}] = {self.pick(ARGS)}"]
        if kind == "spawn":
            return [self.pick(SPAWNS).format(a=self.args(1))]
        if kind == "spawn_local":
            return [f"{self.pick(['task', 'job', 'bg'])} = {self.pick(SPAWNS).format(a=self.args(1))}"]
        if kind == "spawn_set":
            t = self.fresh("task")
            return [f"{t} = {self.pick(SPAWNS).format(a=self.args(1))}", f"tasks.add({t})",
                    f"{t}.add_done_callback(tasks.discard)"]
        if kind == "aug":
            return [f"self_count += {self.pick(['1', 'count', 'len(items)'])}"]
        if kind == "blocking":  # blocking-offload's shapes
            return [self.pick(["time.sleep(0)", f"{v} = subprocess.run(['true'], check=False)", f"{v} = open(key).read()"])]
        if kind == "del":
            return [f"items.pop({self.pick(ARGS)}, None)"]
        return [kind]  # pass / break / continue

    def terminal(self, ctx):
        c = self.callee(ctx["method"])
        return [self.pick([f"return await {c}({self.args()})", f"return {self.pick(ARGS)}",
                           f"raise ValueError({self.pick(ARGS)})", "return"])]

    def compound(self, ctx, depth):
        kind = self.pick(["async_with", "with_thread_lock", "if_chain", "match", "for", "async_for",
                          "try", "while", "nested_def", "hoistable_if", "hoistable_match", "lock_notify"])
        lock = self.pick(LOCKS + (METHOD_LOCKS if ctx["method"] else []))
        if kind == "async_with":
            return [f"async with {lock}:", *self.block(ctx, depth + 1)]
        if kind == "lock_notify":  # the seed audit's shape: state changed under a lock, then an observer told
            body = [f"items[{self.pick(ARGS)}] = {self.pick(ARGS)}", f"await observer.on_evict({self.args()})"]
            return [f"async with {self.pick(['lock', 'state_lock'])}:", *indent(body, 1)]
        if kind == "with_thread_lock":
            return ["with mutex:", *self.block(ctx, depth + 1)]
        if kind == "if_chain":
            lines = [f"if {self.pick(VARS)}:", *self.block(ctx, depth + 1)]
            for _ in range(self.draw(st.integers(0, 2))):
                lines += [f"elif {self.pick(VARS)} == {self.pick(ARGS)}:", *self.block(ctx, depth + 1)]
            if self.draw(st.booleans()):
                lines += ["else:", *self.block(ctx, depth + 1)]
            return lines
        if kind == "match":
            lines = [f"match {self.pick(VARS)}:"]
            for pat in self.draw(st.lists(st.sampled_from(['"get"', '"put"', "1", "[x, y]", "{'k': v}",
                                                           "str() as s", "_"]), min_size=1, max_size=3,
                                          unique=True)):
                guard = f" if {self.pick(VARS)}" if self.draw(st.booleans()) and pat != "_" else ""
                lines += [f"    case {pat}{guard}:", *indent(self.block(ctx, depth + 2), 1)]
                if pat == "_":
                    break
            return lines
        if kind in ("hoistable_if", "hoistable_match"):
            return self.hoistable(ctx, depth, kind == "hoistable_match")
        if kind == "for":
            return [f"for {self.pick(VARS)} in items:", *self.block({**ctx, "loop": True}, depth + 1)]
        if kind == "async_for":
            return [f"async for {self.pick(VARS)} in stream():", *self.block({**ctx, "loop": True}, depth + 1)]
        if kind == "while":
            return [f"while {self.pick(VARS)}:", *self.block({**ctx, "loop": True}, depth + 1)]
        if kind == "try":
            lines = ["try:", *self.block(ctx, depth + 1)]
            has_handler = len(lines) > 1 and self.draw(st.booleans())
            if has_handler:
                lines += ["except ValueError as exc:", *self.block(ctx, depth + 1)]
            if not has_handler or self.draw(st.booleans()):
                lines += ["finally:", *self.block(ctx, depth + 1)]
            return lines
        # nested_def: a sync or async helper inside the function
        if self.draw(st.booleans()):
            return [f"def {self.fresh('inner')}(value):", "    return value"]
        name = self.fresh("inner")
        return [f"async def {name}(value):", *self.block({"method": False, "loop": False}, depth + 1),
                f"await {name}({self.pick(ARGS)})"]

    def hoistable(self, ctx, depth, as_match):
        """Every arm ends by awaiting the same callee with one differing argument (match-hoist's shape)."""
        c = self.callee(ctx["method"])
        common = self.pick(["", ", timeout=1", ", key"])
        tail_kind = self.pick(["await", "assign", "return"])
        # the differing argument passed by keyword gives match-hoist a name to bind it to
        by_keyword = self.draw(st.booleans())

        def tail():
            if by_keyword:
                call = f"await {c}(key, retries={self.pick(ARGS)}{common.replace(', key', '')})"
            else:
                call = f"await {c}({self.pick(ARGS)}{common})"
            return {"await": call, "assign": f"result = {call}", "return": f"return {call}"}[tail_kind]

        def arm():
            pre = self.block(ctx, depth + 1) if self.draw(st.booleans()) and depth + 1 < MAX_DEPTH else []
            return [*pre, "    " + tail()]

        if as_match:
            lines = [f"match {self.pick(VARS)}:"]
            for pat in ['"a"', '"b"'][: self.draw(st.integers(1, 2))]:
                lines += [f"    case {pat}:", *indent(arm(), 1)]
            lines += ["    case _:", *indent(arm(), 1)]
            return lines
        lines = [f"if {self.pick(VARS)}:", *arm()]
        for _ in range(self.draw(st.integers(0, 1))):
            lines += [f"elif {self.pick(VARS)}:", *arm()]
        return [*lines, "else:", *arm()]

    def block(self, ctx, depth):
        n = self.draw(st.integers(1, 3))
        lines: list[str] = []
        for _ in range(n):
            if depth < MAX_DEPTH and self.draw(st.integers(0, 2)) == 0:
                lines += self.compound(ctx, depth)
            else:
                lines += self.simple(ctx)
        if self.draw(st.integers(0, 3)) == 0:
            lines += self.terminal(ctx)
        return indent(lines, 1)

    # -- top level
    def function(self, method=False):
        name = self.fresh("handle")
        params = "self, item, key, value, count, data, result, self_count" if method else \
            "item, key, value, count, data, result, self_count"
        return [f"async def {name}({params}):", *self.block({"method": method, "loop": False}, 0)]

    def delegation(self, method=False):
        name = self.fresh("delegate")
        target = self.callee(method)
        ann = self.pick(["", " -> int", " -> 'str'"])
        params = "self, value" if method else "value"
        return [f"async def {name}({params}){ann}:", f"    return await {target}(value)"]

    def await_free_pair(self):
        name = self.fresh("compute")
        caller = self.fresh("use")
        return [f"async def {name}(value):", "    return value + 1", "", "",
                f"async def {caller}(value):", f"    return await {name}(value)", "", "",
                f"async def {self.fresh('main')}():", f"    await {caller}(1)"]

    def klass(self):
        cname = self.fresh("Service")
        lines = [f"class {cname}:", "    def __init__(self):", "        self._lock = asyncio.Lock()",
                 "        self._write_lock = threading.Lock()", "        self._cond = asyncio.Condition()",
                 "        self.items = {}", "        self.observer = None", "",
                 "    async def send(self, *args, **kwargs):", "        return args", "",
                 "    async def _refresh(self, *args):", "        return None", "",
                 "    async def helper_method(self, value):", "        return value"]
        for _ in range(self.draw(st.integers(1, 2))):
            lines += ["", *indent(self.function(method=True), 1)]
        if self.draw(st.booleans()):
            lines += ["", *indent(self.delegation(method=True), 1)]
        return lines

    def module(self):
        parts = [PRELUDE.rstrip("\n").splitlines()]
        for _ in range(self.draw(st.integers(1, 4))):
            kind = self.pick(["function", "function", "class", "delegation", "await_free_pair"])
            parts.append({"function": self.function, "class": self.klass, "delegation": self.delegation,
                          "await_free_pair": self.await_free_pair}[kind]())
        parts.append(["SENDER = None", "client = None", "observer = None"])
        return "\n\n\n".join("\n".join(p) for p in parts) + "\n"


def indent(lines, levels):
    pad = "    " * levels
    return [pad + line if line else line for line in lines]


@st.composite
def asyncio_modules(draw):
    return Gen(draw).module()


def test_asyncio_modules_compile():
    """The generator itself: every module it draws is valid Python (else the properties test nothing)."""

    @settings(max_examples=30, **COMMON)
    @given(asyncio_modules())
    def check(source):
        quiet_compile(source)

    check()


@pytest.mark.parametrize("names", SELECTIONS, ids=SELECTION_IDS)
@settings(max_examples=15, **COMMON)
@given(source=asyncio_modules())
def test_asyncio_shaped_modules(names, source):
    check_transforms(names, source)


@pytest.mark.parametrize("name", NAMES)
def test_asyncio_shaped_modules_make_every_transform_fire(name):
    """The generator reaches every transform: some module it draws is rewritten by it."""

    def fires(source):
        return apply_to_source(transforms_for((name,)), source).changes != []

    # generate only: shrinking the example found would cost more than finding it
    example = find(asyncio_modules(), fires,
                   settings=settings(max_examples=300, database=None, phases=[Phase.generate],
                                     deadline=None, derandomize=COMMON["derandomize"],
                                     suppress_health_check=COMMON["suppress_health_check"]))
    assert fires(example)


# ---------------------------------------------------------------------------------------------
# 3. mutations of the golden inputs


def _golden_sources() -> list[tuple[str, str]]:
    out = []
    for path in sorted(ROOT.glob("golden/*/*/before/**/*.py")):
        try:
            text = decode(path.read_bytes()).text
        except SourceError:
            continue
        if compiles(text):
            out.append((path.relative_to(ROOT).as_posix(), text))
    return out


GOLDEN_SOURCES = _golden_sources()

FRAGMENTS_ASYNC = [
    "await notify(key)",
    "value = await fetch(key)",
    "asyncio.create_task(work(key))",
    "task = asyncio.create_task(work())",
    "async with self._lock:\n    await self.send(key)",
    "async with lock:\n    items[key] = value\n    await notify(key)",
    "if key:\n    await store(key, timeout=1)\nelse:\n    await store(value, timeout=1)",
    "return await fetch(key)",
]
FRAGMENTS_ANY = ["pass", "value = 1", "items = {}", "lock = asyncio.Lock()", "import asyncio"]


def _statements(tree):
    """(stmt, enclosing function or None, body list it belongs to) for every statement."""
    out = []

    def visit(body, func):
        for stmt in body:
            out.append((stmt, func, body))
            inner = stmt if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) else func
            for field in ("body", "orelse", "finalbody"):
                sub = getattr(stmt, field, None)
                if isinstance(sub, list) and sub and isinstance(sub[0], ast.stmt):
                    visit(sub, inner)
            for handler in getattr(stmt, "handlers", []):
                visit(handler.body, inner)
            for case in getattr(stmt, "cases", []):
                visit(case.body, inner)

    visit(tree.body, None)
    return out


@st.composite
def mutation(draw, text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(text)
    lines = text.splitlines(keepends=True)
    nl = "\r\n" if "\r\n" in text else "\n"
    stmts = _statements(tree)
    kind = draw(st.sampled_from(["delete", "duplicate", "swap", "insert", "rename", "toggle_async",
                                 "drop_await", "crlf"]))
    note(f"mutation: {kind}")
    if kind == "crlf":
        return text.replace("\r\n", "\n").replace("\n", "\r\n") if nl == "\n" else text.replace("\r\n", "\n")
    if kind == "rename":
        names = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name)} |
                       {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))})
        assume(names)
        old = draw(st.sampled_from(names))
        new = draw(st.sampled_from([*names, "renamed", "lock", "task", "result", "asyncio"]))
        return re.sub(rf"\b{re.escape(old)}\b", new, text)
    if kind == "toggle_async":
        spots = [m.start() for m in re.finditer(r"\b(async def|def)\b", text)]
        assume(spots)
        at = draw(st.sampled_from(spots))
        if text.startswith("async def", at):
            return text[:at] + text[at + len("async "):]
        return text[:at] + "async " + text[at:]
    if kind == "drop_await":
        spots = [m.start() for m in re.finditer(r"\bawait ", text)]
        assume(spots)
        at = draw(st.sampled_from(spots))
        return text[:at] + text[at + len("await "):]
    assume(stmts)
    stmt, func, body = draw(st.sampled_from(stmts))
    start, end = stmt.lineno - 1, stmt.end_lineno  # line slice of the statement
    assume(not lines[start][: stmt.col_offset].strip())  # the statement starts its line
    pad = lines[start][: stmt.col_offset]
    if kind == "delete":
        return "".join(lines[:start] + [pad + "pass" + nl] + lines[end:])
    if kind == "duplicate":
        return "".join(lines[:end] + lines[start:end] + lines[end:])
    if kind == "swap":
        i = body.index(stmt)
        assume(i + 1 < len(body))
        nxt = body[i + 1]
        assume(nxt.lineno > stmt.end_lineno and not lines[nxt.lineno - 1][: nxt.col_offset].strip())
        a = lines[start:end]
        b = lines[nxt.lineno - 1 : nxt.end_lineno]
        return "".join(lines[:start] + b + lines[end : nxt.lineno - 1] + a + lines[nxt.end_lineno :])
    # insert a fragment before the statement, at its indentation
    pool = FRAGMENTS_ANY + (FRAGMENTS_ASYNC if isinstance(func, ast.AsyncFunctionDef) else [])
    fragment = draw(st.sampled_from(pool))
    new = "".join(pad + line + nl for line in fragment.split("\n"))
    return "".join(lines[:start] + [new] + lines[start:])


@st.composite
def mutated_golden(draw):
    path, text = draw(st.sampled_from(GOLDEN_SOURCES))
    note(f"golden input: {path}")
    for _ in range(draw(st.integers(1, 3))):
        text = draw(mutation(text))
        assume(compiles(text))
    return path, text


def test_golden_inputs_are_found():
    assert len(GOLDEN_SOURCES) >= len(NAMES), "the golden inputs feed the mutation tests"


@pytest.mark.parametrize("names", SELECTIONS, ids=SELECTION_IDS)
@settings(max_examples=25, **COMMON)
@given(case=mutated_golden())
def test_mutated_golden_inputs(names, case):
    path, source = case
    check_transforms(names, source, path=Path(path).name)


def test_unmutated_golden_inputs_through_all_transforms():
    """Every golden input, as it is, through the default transforms together (the golden harness runs
    each case through its own transform only)."""
    for path, source in GOLDEN_SOURCES:
        check_transforms(tuple(DEFAULT_NAMES), source, path=Path(path).name)
