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
