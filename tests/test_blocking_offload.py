"""blocking-offload: fix safety per rewrite, suppressions, held-back unsafe fixes, look-alikes, idempotence.
The golden cases (golden/blocking-offload/) hold whole patches; tests/corpus/blocking-offload/ runs
programs before and after."""

from __future__ import annotations

from codemods.engine import apply_to_source
from codemods.transforms import get, registry


def run(src: str, allow_unsafe: bool = True):
    t = get("blocking-offload")()
    t.allow_unsafe = allow_unsafe
    return apply_to_source([t], src, "mod.py", "mod")


MIXED = """\
import subprocess
import time


async def step(cmd):
    time.sleep(0.1)
    return subprocess.run(cmd)
"""


def test_registered_with_its_rules_and_in_all():
    cls = registry()["blocking-offload"]
    assert cls.rules == ("CM201", "CM304") and cls.fix_safety == "unsafe"
    # in `all`: a blanket run applies only its safe fix (time.sleep) and holds back to_thread
    assert cls.in_all
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert heading in cls.doc()


def test_sleep_is_safe_and_to_thread_unsafe():
    r = run(MIXED)
    assert [(c.line, c.safety) for c in r.changes] == [(6, "safe"), (7, "unsafe")]
    assert "worker thread" in r.changes[1].why
    assert "await asyncio.sleep(0.1)" in r.new_text
    assert "return await asyncio.to_thread(subprocess.run, cmd)" in r.new_text
    assert r.new_text.startswith("import asyncio\nimport subprocess\n")  # time no longer used: removed
    assert run(r.new_text).new_text == r.new_text  # a second run changes nothing


def test_a_blanket_run_applies_only_the_safe_fix():
    r = run(MIXED, allow_unsafe=False)
    assert [c.line for c in r.changes] == [6] and [c.line for c in r.held] == [7]
    assert "return subprocess.run(cmd)" in r.new_text
    assert "import time" not in r.new_text and "import asyncio" in r.new_text


def test_suppression_by_transform_or_rule_id():
    for mark in ("blocking-offload", "CM201"):
        src = MIXED.replace("time.sleep(0.1)", f"time.sleep(0.1)  # codemod: ignore[{mark}]")
        r = run(src)
        assert [c.line for c in r.changes] == [7] and [c.line for c in r.suppressed] == [6]
        assert "time.sleep(0.1)  # codemod: ignore" in r.new_text and "import time" in r.new_text


def test_look_alikes_are_not_touched():
    src = """\
import asyncio


class Device:
    def sleep(self, s):
        return s

    async def idle(self, open):
        self.sleep(1)
        open("x")
        await asyncio.sleep(0)
"""
    r = run(src)
    assert r.new_text == src and not r.changes and not r.skips


def test_a_shadowed_asyncio_is_a_skip():
    src = "import asyncio\nimport time\n\n\nasync def f(asyncio):\n    time.sleep(1)\n"
    r = run(src)
    assert r.new_text == src
    assert [s.reason for s in r.skips] == ["`asyncio` means something else here: generated code cannot name asyncio's `sleep`"]


def test_result_used_as_a_receiver_is_parenthesised():
    src = "import requests\n\n\nasync def f(u):\n    return requests.get(u).json()['x']\n"
    r = run(src)
    assert "return (await asyncio.to_thread(requests.get, u)).json()['x']" in r.new_text
    compile(r.new_text, "mod.py", "exec")


def _import_forms(qualname: str):
    """Every way a module can bring ``qualname`` into reach: (import lines, the expression to call)."""
    module, _, name = qualname.rpartition(".")
    if module == "builtins":
        yield "", name
        yield "import builtins\n", f"builtins.{name}"
        return
    yield f"import {module}\n", qualname
    yield f"import {module} as m\n", f"m.{name}"
    yield f"from {module} import {name}\n", name
    yield f"from {module} import {name} as alias\n", "alias"
    if "." in module:
        package, _, sub = module.rpartition(".")
        yield f"from {package} import {sub}\n", f"{sub}.{name}"


def test_the_prefilter_passes_every_catalogue_call_in_every_import_form():
    """``may_block`` lets the index skip files that spell no blocking call: every catalogue entry, in
    every import form, as a call and as a method of what its producer made, is still found."""
    import ast

    from codemods.transforms._shared.ast_index import AstIndex
    from codemods.transforms.base import SourceInfo
    from codemods.transforms.blocking_offload.catalogue import BLOCKING_FUNCTIONS, BLOCKING_METHODS, may_block
    from codemods.transforms.blocking_offload.facts import find_blocking_calls

    t = get("blocking-offload")()
    cases = []
    for qualname in BLOCKING_FUNCTIONS:
        for imports, expr in _import_forms(qualname):
            cases.append((qualname, f"{imports}\n\nasync def go(x):\n    {expr}(x)\n"))
    for producer, methods in BLOCKING_METHODS.items():
        for method in methods:
            for imports, expr in _import_forms(producer):
                cases.append((f"{producer}.{method}", f"{imports}\n\nasync def go(x):\n    h = {expr}(x)\n    h.{method}(x)\n"))
    assert len(cases) > 300
    for qualname, text in cases:
        tree = ast.parse(text)
        found = find_blocking_calls(AstIndex(tree, "mod"))
        assert [c.name for c in found][-1:] == [qualname], text  # the case is a real one
        assert may_block(text), text
        assert t.index(SourceInfo("mod.py", "mod", False, text), tree), text
    # and a file that only looks alike is dropped before any index is built
    assert not may_block("import asyncio\n\nasync def go(opener, sleeper):\n    await opener.sleep_until(sleeper)\n")
