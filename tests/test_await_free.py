"""await-free: the resolution logic (index + plan) and the rewrite, module by module, without git."""

from __future__ import annotations

import ast
import pickle
import subprocess
import sys
import textwrap

import libcst as cst
import pytest

from codemods import engine
from codemods.transforms import get
from codemods.transforms.await_free import AwaitFree, FileFacts, stdlib_declares
from codemods.transforms.base import SourceInfo

from .conftest import make_repo


def module_of(path: str) -> tuple[str, bool]:
    parts = path[:-3].split("/")
    if parts[-1] == "__init__":
        return ".".join(parts[:-1]), True
    return ".".join(parts), False


def run(files: dict[str, str], editable: set[str] | None = None, **options) -> tuple[dict[str, str], list[str]]:
    """index every file, plan, rewrite the planned ones: (new texts of changed files, skip lines)."""
    t = AwaitFree({k.replace("_", "-"): v for k, v in options.items()})
    if editable is not None:
        t.editable = frozenset(editable)
    texts = {p: textwrap.dedent(s) for p, s in files.items()}
    facts = {}
    for path, text in texts.items():
        module, is_package = module_of(path)
        f = t.index(SourceInfo(path, module, is_package, text), ast.parse(text))
        if f:
            facts[path] = pickle.loads(pickle.dumps(f))  # facts travel between processes
    plan = t.plan(facts)
    out = {}
    for path, file_plan in plan.files.items():
        outcome = engine.rewrite_module(t, cst.parse_module(texts[path]), file_plan, path)
        assert not isinstance(outcome, str), outcome
        new = outcome[0].code
        compile(new, path, "exec")
        if new != texts[path]:
            out[path] = new
    return out, [s.format() for s in plan.skips]


def converted(files, **kw) -> set[str]:
    """Names of the defs that became plain (``path:name``)."""
    out, _ = run(files, **kw)
    names = set()
    for path, new in out.items():
        old = textwrap.dedent(files[path])
        for node in ast.walk(ast.parse(old)):
            if isinstance(node, ast.AsyncFunctionDef):
                line = new.splitlines()[node.lineno - 1]
                if "async def" not in line:
                    names.add(f"{path}:{node.name}")
    return names


def skip_reason(skips: list[str], needle: str) -> str:
    found = [s for s in skips if needle in s]
    assert found, f"no skip mentioning {needle!r} in {skips}"
    return found[0]


# -- index ---------------------------------------------------------------------------------------


def index(text: str, path: str = "pkg/mod.py", module: str = "pkg.mod", is_package: bool = False) -> FileFacts:
    text = textwrap.dedent(text)
    return AwaitFree().index(SourceInfo(path, module, is_package, text), ast.parse(text))


def test_relative_imports_resolve_against_the_module_and_the_package():
    f = index("from . import a\nfrom .b import c as d\nfrom .. import up\nimport x.y\nimport x.y as z\n", "pkg/sub/mod.py", "pkg.sub.mod")
    assert f.bindings["a"] == ("import", "pkg.sub.a")
    assert f.bindings["d"] == ("import", "pkg.sub.b.c")
    assert f.bindings["up"] == ("import", "pkg.up")
    assert f.bindings["x"] == ("import", "x")
    assert f.bindings["z"] == ("import", "x.y")
    g = index("from .impl import f\nfrom . import other\n", "pkg/__init__.py", "pkg", is_package=True)
    assert g.bindings["f"] == ("import", "pkg.impl.f")
    assert g.bindings["other"] == ("import", "pkg.other")


def test_own_body_awaits_only_count_outside_nested_functions():
    f = index(
        """
        async def outer():
            async def inner():
                await other()
            def sync():
                return 1
            return inner

        async def gen():
            yield 1

        async def loops(xs):
            async for x in xs:
                pass

        async def ctx(lock):
            async with lock:
                pass

        async def comp(xs):
            return [x async for x in xs]

        async def awaits_value(fut):
            return await fut
        """
    )
    hard = {d.qual: d.hard for d in f.defs}
    assert hard["outer"] is None
    assert "other" in hard["outer.<locals>.inner"]
    assert "async generator" in hard["gen"]
    assert "async for" in hard["loops"]
    assert "async with" in hard["ctx"]
    assert "async comprehension" in hard["comp"]
    assert "fut" in hard["awaits_value"]


def test_dunder_all_forms_and_columns_in_characters():
    f = index('__all__ = ["a"]\n__all__ += ("b",)\n__all__.append("c")\n__all__.extend(["d"])\nx = "é"; y = 1\n')
    assert f.all_names == ("a", "b", "c", "d") and not f.all_dynamic
    g = index('s = "é" ; __all__ = names()\nasync def f():\n    z = "ééé"; return 1\n\nasync def h():\n    s = "é"; await f()\n')
    assert g.all_dynamic
    ref = next(r for r in g.refs if r[0] == "f" and r[5] is None)
    # `await` sits after 's = "é"; ' : 10 characters, but 11 UTF-8 bytes
    assert (ref[6], ref[7]) == (6, 13)


def test_an_unrelated_file_has_no_facts():
    assert index("") is None
    assert index("x = 1\nprint(x)\n") is not None  # bindings: a re-export module needs them


# -- plan: resolution across modules ---------------------------------------------------------------


LEAF = """
async def fetch(key):
    return key
"""


@pytest.mark.parametrize(
    "caller",
    [
        "from lib.store import fetch\n\nasync def go():\n    return await fetch(1)\n",
        "from lib.store import fetch as get\n\nasync def go():\n    return await get(1)\n",
        "import lib.store\n\nasync def go():\n    return await lib.store.fetch(1)\n",
        "import lib.store as s\n\nasync def go():\n    return await s.fetch(1)\n",
        "from lib import store\n\nasync def go():\n    return await store.fetch(1)\n",
        "from lib import fetch\n\nasync def go():\n    return await fetch(1)\n",  # re-exported by lib/__init__
        "import lib\n\nasync def go():\n    return await lib.fetch(1)\n",
        "from lib import *\n\nasync def go():\n    return await fetch(1)\n",
    ],
)
def test_every_import_form_reaches_the_definition(caller):
    files = {"lib/__init__.py": "from .store import fetch\n", "lib/store.py": LEAF, "app.py": caller}
    out, skips = run(files)
    assert "def fetch(key)" in out["lib/store.py"] and "async def fetch" not in out["lib/store.py"]
    assert "await" not in out["app.py"], out["app.py"]
    assert skips == ["app.py:3:1: await-free: go(): nothing in the repository references it: a framework or an outside caller may await it"]


def test_unresolvable_import_of_a_repository_package_blocks():
    # lib/__init__.py re-exports through a star import from a module that is not in the facts
    files = {"lib/store.py": LEAF, "app.py": "from lib.missing import fetch\n\nasync def go():\n    return await fetch(1)\n"}
    out, skips = run(files)
    assert "lib/store.py" not in out
    assert "lib.missing.fetch cannot be resolved" in skip_reason(skips, "fetch()")


def test_cascade_across_modules_and_recursive_groups_convert_together():
    files = {
        "a.py": "async def leaf():\n    return 1\n",
        "b.py": "from a import leaf\n\nasync def mid():\n    return await leaf()\n",
        "c.py": "import asyncio\nfrom b import mid\n\nasync def top():\n    await asyncio.sleep(0)\n    return await mid()\n",
        "d.py": "async def ping():\n    return await pong()\n\nasync def pong():\n    return await ping()\n\nasync def start():\n    await ping()\n",
    }
    # ping and pong only await each other: neither ever suspends, so they convert as a group (one
    # unit), and start (which awaits ping) would follow but nothing references it
    out, skips = run(files)
    assert converted(files) == {"a.py:leaf", "b.py:mid", "d.py:ping", "d.py:pong"}
    assert "def ping():\n    return pong()" in out["d.py"]
    assert any("d.py:7:1: await-free: start(): nothing in the repository references it" in s for s in skips), skips


def test_shadowed_names_are_not_references():
    files = {
        "m.py": """
        async def job():
            return 1

        async def runner(job):
            return await job()

        async def user():
            return await job()
        """
    }
    out, skips = run(files)
    # the parameter `job` is not the function: runner still awaits something unknown
    assert "async def runner" in out["m.py"] and "    return job()" in out["m.py"]
    assert "    return await job()" in out["m.py"]


def test_local_async_function_inside_a_function():
    files = {"m.py": "async def outer():\n    async def inner():\n        return 1\n    return await inner()\n\nasync def main():\n    await outer()\n"}
    assert converted(files) == {"m.py:outer", "m.py:inner"}


# -- plan: methods ------------------------------------------------------------------------------------


def test_self_cls_and_known_receivers_resolve_and_unknown_receivers_block():
    src = """
    class Store:
        async def get(self):
            return 1

        @classmethod
        async def make(cls):
            return cls()

        async def twice(self):
            return await self.get() + await self.get()

    async def use(store: Store, other):
        s = await Store.make()
        await Store().twice()
        return await store.get(), await other.twice()
    """
    out, skips = run({"m.py": src})
    assert converted({"m.py": src}) == {"m.py:get", "m.py:make"}
    assert "'await other.twice()' at m.py:16 may call something else: the receiver other could be any object" in skip_reason(skips, "Store.twice()")


def test_plain_calls_and_stores_through_unknown_receivers_do_not_block():
    src = """
    class Counter:
        async def bump(self):
            self.n = 1

    async def main(c: Counter, items, obj):
        items.bump()          # were items a Counter, this would already be a bug
        obj.bump = None       # an attribute store, not a call of the method
        await c.bump()
    """
    assert converted({"m.py": src}) == {"m.py:bump"}
    blocked = src.replace("items.bump()", "task = items.bump()")
    _, skips = run({"m.py": blocked})
    assert "'items.bump()' at m.py:7 may call something else" in skip_reason(skips, "Counter.bump()")


def test_method_of_an_unrelated_class_with_the_same_name_through_self_blocks():
    # Other.run has no `close`: self.close there may be a subclass's method, mixing in Conn
    src = """
    class Conn:
        async def close(self):
            pass

    class Other:
        async def run(self):
            await self.close()

    async def main(c: Conn):
        await c.close()
    """
    _, skips = run({"m.py": src})
    assert "Other does not define close()" in skip_reason(skips, "Conn.close()")


def test_overrides_in_both_directions_across_modules():
    files = {
        "base.py": "class Base:\n    async def save(self):\n        pass\n\n    async def load(self):\n        pass\n",
        "sub.py": "from base import Base\n\nclass Sub(Base):\n    async def save(self):\n        pass\n\n\nasync def main(s: Sub):\n    await s.save()\n    await s.load()\n",
    }
    out, skips = run(files)
    assert converted(files) == {"base.py:load"}
    assert "overridden by Sub.save (sub.py:4)" in skip_reason(skips, "Base.save()")
    assert "overrides Base.save (base.py:2)" in skip_reason(skips, "Sub.save()")


def test_multiple_inheritance_sibling_override_is_detected():
    src = """
    class A:
        async def ping(self):
            return "a"

    class B:
        async def ping(self):
            return "b"

    class C(A, B):
        pass

    async def main(c: C):
        return await c.ping()
    """
    _, skips = run({"m.py": src})
    assert "overridden by A.ping" in skip_reason(skips, "B.ping()")
    assert "overrides B.ping" in skip_reason(skips, "A.ping()")


def test_external_and_stdlib_bases():
    src = """
    import unittest
    import abc
    from typing import Generic, TypeVar
    import discord

    T = TypeVar("T")

    class Case(unittest.IsolatedAsyncioTestCase):
        async def asyncSetUp(self):
            await self.helper()

        async def helper(self):
            pass

    class Box(Generic[T], abc.ABC):
        async def get(self):
            pass

        async def show(self):
            return await self.get()

    class Bot(discord.Client):
        async def greet(self):
            pass

        async def main(self):
            await self.greet()
    """
    _, skips = run({"m.py": src})
    assert converted({"m.py": src}) == {"m.py:helper", "m.py:get"}
    assert "overrides unittest.IsolatedAsyncioTestCase.asyncSetUp" in skip_reason(skips, "Case.asyncSetUp()")
    assert "Bot derives from discord.Client, outside the repository, which may declare greet" in skip_reason(skips, "Bot.greet()")


def test_stdlib_lookup():
    assert stdlib_declares("unittest.IsolatedAsyncioTestCase", "asyncSetUp") is True
    assert stdlib_declares("unittest.IsolatedAsyncioTestCase", "make_app") is False
    assert stdlib_declares("builtins.object", "fetch") is False
    assert stdlib_declares("discord.Client", "close") is None
    assert stdlib_declares("antigravity.Thing", "x") is None  # never imported


def test_protocol_annotation_and_any_annotation_block():
    src = """
    from typing import Any, Protocol

    class Closer(Protocol):
        async def close(self): ...

    class Conn:
        async def close(self):
            pass

    async def shut(c: Closer, d: Any):
        await c.close()
    """
    _, skips = run({"m.py": src})
    assert "its annotation Closer matches any object" in skip_reason(skips, "Conn.close()")
    assert "method of Protocol class Closer" in skip_reason(skips, "Closer.close()")


# -- plan: exemptions --------------------------------------------------------------------------------


def test_exemptions_with_their_reasons():
    src = """
    import asyncio
    import functools

    __all__ = ["public"]

    async def public():
        return 1

    async def unused():
        return 1

    @functools.lru_cache
    async def cached():
        return 1

    async def spawned():
        return 1

    async def by_name():
        return 1

    async def main():
        asyncio.create_task(spawned())
        getattr(__import__("m"), "by_name")
        return await public() + await cached() + await by_name()
    """
    out, skips = run({"m.py": src})
    assert out == {}
    assert "listed in __all__ of m.py" in skip_reason(skips, "public()")
    assert "nothing in the repository references it" in skip_reason(skips, "unused()")
    assert "decorated with @functools.lru_cache" in skip_reason(skips, "cached()")
    assert "called without await inside asyncio.create_task() at m.py:24" in skip_reason(skips, "spawned()")
    assert "referenced from the string 'by_name' at m.py:25" in skip_reason(skips, "by_name()")
    assert not [s for s in skips if "main()" in s]  # it really awaits: not a candidate, not reported


def test_options_include_public_and_unreferenced():
    src = '__all__ = ["api"]\n\nasync def api():\n    return 1\n\nasync def hook():\n    return 1\n\nasync def main():\n    await api()\n'
    assert converted({"m.py": src}) == set()
    assert converted({"m.py": src}, include_public=True) == {"m.py:api"}
    assert converted({"m.py": src}, include_public=True, include_unreferenced=True) == {"m.py:api", "m.py:hook", "m.py:main"}
    with pytest.raises(ValueError, match="unknown option"):
        AwaitFree({"include-everything": True})


def test_rebound_names_and_dunders_are_left_alone():
    src = """
    async def f():
        return 1

    f = wrap(f)

    class S:
        async def __aenter__(self):
            return self

        async def __aexit__(self, *a):
            return None

    async def main():
        async with S():
            return await f()
    """
    _, skips = run({"m.py": src})
    assert "bound more than once in this module" in skip_reason(skips, ":2:1: await-free: f()")
    assert "dunder method: Python calls it implicitly" in skip_reason(skips, "S.__aenter__()")


def test_await_inside_a_generator_expression_is_not_removed():
    src = "async def f():\n    return 1\n\nasync def g():\n    return (await f() for _ in range(2))\n"
    out, skips = run({"m.py": src})
    assert out == {}
    assert "awaited inside a generator expression" in skip_reason(skips, "f()")


def test_editable_paths_limit_conversions_to_complete_ones():
    files = {"a.py": LEAF, "b.py": "from a import fetch\n\nasync def go():\n    return await fetch(1)\n\nasync def main():\n    await go()\n"}
    out, skips = run(files, editable={"a.py"})
    assert out == {}
    assert "awaited at b.py:4, outside the paths given" in skip_reason(skips, "fetch()")
    assert all(s.startswith("a.py") for s in skips)  # b.py was not asked about
    out, _ = run(files, editable={"a.py", "b.py"})
    assert set(out) == {"a.py", "b.py"}


def test_reference_names_are_the_candidates_only():
    t = AwaitFree()
    f = index("async def calm():\n    return 1\n\nasync def busy():\n    await x()\n")
    assert t.reference_names({"pkg/mod.py": f}) == {b"calm", b"import *"}


# -- rewrite ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "before, after",
    [
        ("x = await f()", "x = f()"),
        ("x = await  f(1)", "x = f(1)"),
        ("x = (await f()).real", "x = f().real"),
        ("x = -await f() ** 2", "x = -f() ** 2"),
        ("x = not await f()", "x = not f()"),
        ("x = await (f())", "x = (f())"),
        ('x = f"{await f()}"', 'x = f"{f()}"'),
        ("x = [await f(i) for i in range(2)]", "x = [f(i) for i in range(2)]"),
        ("x = (await\n         f())", "x = (\n         f())"),
        ("x = (await  # why\n         f())", "x = (  # why\n         f())"),
        ("x = g(await  # note\n         f())", "x = g((  # note\n         f()))"),
        ('s = "é"; t = await f()', 's = "é"; t = f()'),
    ],
)
def test_await_removal_keeps_the_code_right(before, after):
    src = f"async def f(x=0):\n    return 2\n\ndef g(x):\n    return x\n\nasync def main():\n    {before}\n    await other()\n"
    res = engine.apply_to_source([get("await-free")()], src)
    assert not res.errors
    assert res.new_text == src.replace("async def f(", "def f(").replace(before, after)


def test_tabs_decorators_and_crlf_positions():
    src = "class C:\r\n\t@staticmethod\r\n\tasync def f():\r\n\t\treturn 1\r\n\r\n\tasync def g(self):\r\n\t\tawait other()\r\n\t\treturn await C.f()\r\n"
    res = engine.apply_to_source([get("await-free")({"include-public": True})], src)
    assert res.new_text == src.replace("async def f", "def f").replace("await C.f()", "C.f()")
    assert [c.format() for c in res.changes] == [
        "mod.py:3:2: await-free: C.f() never awaits: async def -> def",
        "mod.py:8:10: await-free: C.f() is no longer a coroutine function: await removed",
    ]


def test_second_run_changes_nothing():
    files = {"a.py": LEAF, "b.py": "from a import fetch\n\nasync def go():\n    return await fetch(1)\n\nasync def main():\n    import asyncio\n    await asyncio.sleep(0)\n    await go()\n"}
    out, _ = run(files)
    again, _ = run({**files, **out})
    assert again == {}


# -- end to end on a real repository ------------------------------------------------------------------


def test_bad_files_beside_a_cross_file_conversion(tmp_path):
    repo = make_repo(
        tmp_path / "r",
        {
            "lib.py": "async def load():\n    return 1\n",
            "app.py": "import asyncio\nfrom lib import load\n\nasync def main():\n    await asyncio.sleep(0)\n    return await load()\n",
            "latin.py": "# -*- coding: latin-1 -*-\n".encode() + "async def caf\xe9():\n    return 1\n".encode("latin-1"),
            "bom.py": b"\xef\xbb\xbfasync def bom():\n    return 1\n",
            "crlf.py": b"from lib import load\r\n\r\nasync def also():\r\n    await other()\r\n    return await load()\r\n",
            "empty.py": b"",
            "binary.py": b"async def x():\x00\n",
            "broken.py": b"async def (:\n",
        },
    )
    cs = engine.run([str(repo)], [AwaitFree()], jobs=1, root=str(repo))
    changed = {f.path: f.new_bytes for f in cs.files}
    assert set(changed) == {"app.py", "crlf.py", "lib.py"}
    assert changed["crlf.py"] == b"from lib import load\r\n\r\nasync def also():\r\n    await other()\r\n    return load()\r\n"
    assert {e.path for e in cs.errors} == {"binary.py", "broken.py"}
    assert all(e.kind == "error" for e in cs.errors)
    skipped = {s.path for s in cs.skips}
    assert {"latin.py", "bom.py"} <= skipped  # parsed and reported (nothing references them)


def test_conditional_imports_and_global_rebinding_block():
    files = {
        "a.py": "async def f():\n    return 1\n",
        "b.py": "async def f():\n    return 2\n",
        "c.py": "try:\n    from a import f\nexcept ImportError:\n    from b import f\n\nasync def main():\n    await f()\n",
        "d.py": "try:\n    import a as mod\nexcept ImportError:\n    import b as mod\n\nasync def main2():\n    await mod.f()\n",
        "e.py": "async def g():\n    return 1\n\ndef swap():\n    global g\n    g = None\n\nasync def main3():\n    await g()\n",
    }
    out, skips = run(files)
    assert out == {}
    assert "'await f()' at c.py:7 may call something else: the name it is called through is bound more than once in c.py" in skip_reason(skips, "a.py:1:1")
    only_d = {k: v for k, v in files.items() if k != "c.py"}
    assert "at d.py:7 may call something else" in skip_reason(run(only_d)[1], "b.py:1:1")
    assert "the name g is bound more than once in this module (lines 1, 6)" in skip_reason(skips, "e.py:1:1")


def test_cli_end_to_end_with_a_link_out_of_the_repo_and_a_vanished_file(tmp_path):
    import os
    import subprocess
    import sys

    outside = tmp_path / "outside.py"
    outside.write_text("async def helper():\n    return 1\n")
    repo = make_repo(
        tmp_path / "r",
        {
            "lib.py": "async def load():\n    return 1\n",
            "app.py": "import asyncio\nfrom lib import load\n\nasync def main():\n    await asyncio.sleep(0)\n    return await load()\n",
            "gone.py": "from lib import load\n",
        },
    )
    os.symlink(outside, repo / "link.py")
    (repo / "gone.py").unlink()  # git still lists it
    res = subprocess.run(
        [sys.executable, "-m", "codemods", "apply", "-t", "await-free", "--show-skips", "."],
        cwd=repo, capture_output=True, text=True,
    )
    assert res.returncode == 2, res.stdout + res.stderr  # a file could not be processed
    assert "gone.py" in res.stdout + res.stderr
    assert (repo / "lib.py").read_text() == "def load():\n    return 1\n"
    assert "    return load()\n" in (repo / "app.py").read_text()
    assert outside.read_text() == "async def helper():\n    return 1\n"  # not followed, not written
    again = subprocess.run(
        [sys.executable, "-m", "codemods", "apply", "-t", "await-free", "--dry-run", "lib.py", "app.py"],
        cwd=repo, capture_output=True, text=True,
    )
    assert again.returncode == 0 and again.stdout.strip() == "", again.stdout + again.stderr


def test_objects_returned_by_outside_functions_are_unknown_receivers():
    src = """
    import copy
    import aiohttp

    class Conn:
        async def close(self):
            pass

    async def main(c: Conn):
        await c.close()
        session = aiohttp.ClientSession()
        await session.close()      # an instance of an outside class: not Conn.close
        d = dict()
        await d.close()            # dict() is a class too
    """
    assert converted({"m.py": src}) == {"m.py:close"}
    for line in ("clone = copy.copy(c)\n        await clone.close()", "best = max([c])\n        await best.close()"):
        _, skips = run({"m.py": src.replace("d = dict()\n        await d.close()", line)})
        assert "which may return any object" in skip_reason(skips, "Conn.close()")


def test_explicit_implementation_of_a_protocol_is_an_ordinary_subclass():
    src = """
    from typing import Protocol

    class Reader(Protocol):
        async def read(self) -> bytes: ...

    class FileReader(Reader):
        async def read(self) -> bytes:
            return b""

        async def size(self) -> int:
            return 0

    async def main(r: FileReader):
        await r.read()
        return await r.size()
    """
    _, skips = run({"m.py": src})
    assert "overrides Reader.read" in skip_reason(skips, "FileReader.read()")
    assert converted({"m.py": src}) == {"m.py:size"}


# -- behaviour: random call graphs run the same before and after --------------------------------------

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@st.composite
def call_graphs(draw):
    """A module of async functions (and methods) calling each other in a DAG, some really suspending,
    some handed to gather(), plus main() run by asyncio.run()."""
    n = draw(st.integers(2, 7))
    lines = ["import asyncio", "", "", "class Box:", "    def __init__(self, k):", "        self.k = k", ""]
    lines += ["    async def get(self, x):", "        return x * self.k", ""]
    lines += ["    async def twice(self, x):", "        return await self.get(x) + await self.get(x + 1)", "", ""]
    for i in range(n):
        callees = draw(st.lists(st.integers(0, i - 1), max_size=3, unique=True)) if i else []
        body = [f"    total = {i}"]
        for j in callees:
            form = draw(st.sampled_from(["plain", "paren", "method", "gather"]))
            if form == "plain":
                body.append(f"    total += await f{j}(x + 1)")
            elif form == "paren":
                body.append(f"    total += (await f{j}(x)).real")
            elif form == "method":
                body.append(f"    total += await Box({j}).twice(x)")
            else:
                body.append(f"    total += sum(await asyncio.gather(f{j}(x)))")
        if draw(st.booleans()) and draw(st.booleans()):
            body.append("    await asyncio.sleep(0)")
        if draw(st.booleans()):
            body.append("    async def nested():\n        await asyncio.sleep(0)\n        return 1")
        lines += [f"async def f{i}(x):", *body, "    return total + x", "", ""]
    calls = ", ".join(f"await f{i}({i})" for i in range(n))
    lines += ["async def main():", f"    return [{calls}, await Box(3).twice(2)]", ""]
    lines += ["", "RESULT = asyncio.run(main())", ""]
    return "\n".join(lines)


def _result(src: str):
    ns: dict = {"__name__": "generated"}
    exec(compile(src, "generated.py", "exec"), ns)
    return ns["RESULT"], ns


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(call_graphs())
def test_random_call_graphs_compute_the_same_after_the_rewrite(src):
    out, _ = run({"gen.py": src})
    new = out.get("gen.py", src)
    before, _ = _result(src)
    after, ns = _result(new)
    assert after == before
    import inspect

    for name, obj in ns.items():
        if name.startswith("f") and callable(obj) and not inspect.iscoroutinefunction(obj):
            assert f"async def {name}(" in src  # only functions that were async were touched
    again, _ = run({"gen.py": new})
    assert again == {}  # a second run changes nothing


def test_deeply_nested_expressions_that_parse_are_indexed():
    src = "async def f():\n    return 1\n\nasync def g():\n    x = " + " + ".join(["'a'"] * 2500) + "\n    return await f()\n"
    facts = index(src)
    assert [d.qual for d in facts.defs] == ["f", "g"]


def test_awaited_call_through_an_unknown_receiver_may_be_a_module_function():
    files = {
        "a.py": "async def main():\n    return 1\n",
        "run.py": "import asyncio\nimport a\n\nasync def all_parts():\n    for part in (a,):\n        await part.main()\n\nasyncio.run(all_parts())\n",
    }
    _, skips = run(files)
    assert "'await part.main()' at run.py:6 may call something else: the receiver part could be any object" in skip_reason(skips, "a.py:1:1")
    # a coroutine used without await through such a receiver blocks the module function too:
    # converted, ``part.main()`` would return 1, which has no .close()
    closed = dict(files, **{"run.py": files["run.py"].replace("await part.main()", "part.main().close()")})
    assert converted(closed) == set() and "'part.main()' at run.py:6 may call something else" in skip_reason(run(closed)[1], "a.py:1:1")
    plain = dict(files, **{"run.py": files["run.py"].replace("await part.main()", "part.main()")})
    assert converted(plain) == set() and "nothing in the repository references it" in skip_reason(run(plain)[1], "a.py:1:1")


def test_several_star_imports_are_searched():
    files = {
        "pkg/__init__.py": "from .a import *\nfrom .b import *\n",
        "pkg/a.py": "def other():\n    return 0\n",
        "pkg/b.py": "async def fetch():\n    return 1\n",
        "app.py": "from pkg import fetch\n\nasync def go():\n    return await fetch()\n",
    }
    assert converted(files) == {"pkg/b.py:fetch"}


# -- escapes the tool cannot follow block the conversion (issue 9) ---------------------------------


BOT = """
class Bot:
    async def on_join(self, user):
        return user

    async def greet(self, user):
        return await self.on_join(user)

    async def handle(self, event, user):
        {line}
"""


@pytest.mark.parametrize(
    ("line", "blocked"),
    [
        ('return await getattr(self, "on_" + event)(user)', True),
        ('handler = getattr(self, f"on_{event}")\n        return await handler(user)', True),
        ('return await getattr(self, "on_%s" % event)(user)', True),
        ('return await getattr(self, "on_{}".format(event))(user)', True),
        ('return await getattr(self, "cmd_" + event)(user)', False),  # the prefix cannot spell on_join
        # the value is only a receiver or a test: its own uses are references by name, seen as such
        ('handler = getattr(self, event)\n        return handler.__name__ if handler is not None else None', False),
    ],
)
def test_a_computed_getattr_blocks_what_its_prefix_may_spell(line, blocked):
    out, skips = run({"bot.py": BOT.replace("{line}", line)})
    if blocked:
        assert "a computed attribute name cannot be followed" in skip_reason(skips, "Bot.on_join()")
        assert "bot.py" not in out or "async def on_join" in out["bot.py"]
    else:
        assert "def on_join(self, user)" in out["bot.py"] and "async def on_join" not in out["bot.py"]


def test_a_computed_getattr_on_an_unknown_receiver_blocks_names_some_string_spells():
    files = {
        "svc.py": "async def async_reload():\n    return 1\n\nasync def async_rebuild():\n    return 2\n\n"
        "async def main():\n    return await async_reload() + await async_rebuild()\n",
        "api.py": 'SERVICES = ["reload"]\n\nasync def call(obj, service):\n    return await getattr(obj, f"async_{service}")()\n',
    }
    out, skips = run(files, include_unreferenced=True)
    assert "its receiver could be any object, and api.py spells 'reload'" in skip_reason(skips, "async_reload()")
    assert "def async_rebuild():" in out["svc.py"]  # "rebuild" is spelled nowhere: only outside data could name it


def test_module_globals_replaced_from_elsewhere_block_their_methods():
    mailer = "class Queue:\n    async def send(self, m):\n        return m\n\ntransport = Queue()\n\nasync def welcome():\n    return await transport.send('hi')\n"
    for store in ("mailer.transport = Fake()", 'setattr(mailer, "transport", Fake())', 'mock.patch("mailer.transport", Fake())'):
        files = {"mailer.py": mailer, "app.py": f"import mailer\nfrom unittest import mock\n\n\nclass Fake:\n    pass\n\n\n{store}\n"}
        _, skips = run(files, include_unreferenced=True)
        assert "mailer.transport is replaced from app.py:9" in skip_reason(skips, "Queue.send()"), store
    _, skips = run({"mailer.py": mailer, "app.py": "import mailer\n\nmailer.welcome = None\n"}, include_unreferenced=True)
    assert "mailer.welcome is replaced from app.py:3" in skip_reason(skips, "welcome()")


def test_rebinding_by_walrus_and_global_stores_blocks():
    walrus = "async def f():\n    return 1\n\nif (f := ALT):\n    pass\n\nasync def main():\n    return await f()\n"
    assert "bound more than once" in skip_reason(run({"m.py": walrus}, include_unreferenced=True)[1], "m.py:1:1")
    nested = "async def main(alt):\n    async def f():\n        return 1\n    x = await f()\n    if (f := alt) is not None:\n        x = await f()\n    return x\n"
    assert converted({"m.py": nested}, include_unreferenced=True) == set()
    for store in ("send = make()", "def send(x):\n        return x", "from other import send", "for send in []:\n        pass"):
        src = f"async def send(x):\n    return x\n\ndef install():\n    global send\n    {store}\n\nasync def main():\n    return await send(1)\n"
        assert "bound more than once in this module (lines 1, 6)" in skip_reason(run({"m.py": src})[1], "m.py:1:1"), store


CLASS_HOOKS = {
    "decorator": ("def deco(cls):\n    return cls\n\n@deco\nclass C:\n", "decorated with @deco"),
    "dataclass": ("import dataclasses\n\n@dataclasses.dataclass\nclass C:\n", None),
    "metaclass": ("class Meta(type):\n    pass\n\nclass C(metaclass=Meta):\n", "made by metaclass Meta"),
    "abcmeta": ("import abc\n\nclass C(metaclass=abc.ABCMeta):\n", None),
    "init_subclass": (
        "class Base:\n    def __init_subclass__(cls, **kw):\n        super().__init_subclass__(**kw)\n\nclass C(Base):\n",
        "Base (m.py:1) defines __init_subclass__, which runs when C or a subclass is created",
    ),
    "type()": ("class C:\n", "made with type() at m.py:"),
}


@pytest.mark.parametrize("case", sorted(CLASS_HOOKS))
def test_how_a_class_is_made_can_block_its_methods(case):
    head, reason = CLASS_HOOKS[case]
    src = head + "    async def ping(self):\n        return 1\n\n    async def run(self):\n        return await self.ping()\n"
    if case == "type()":
        src += "\nVariant = type('Variant', (C,), NAMESPACE)\n"
    out, skips = run({"m.py": src}, include_unreferenced=True)
    if reason is None:
        assert "async def ping" not in out["m.py"]
    else:
        assert reason in skip_reason(skips, "C.ping()")


def test_a_literal_type_namespace_blocks_only_the_names_it_overrides():
    src = "class C:\n    async def ping(self):\n        return 1\n\n    async def pong(self):\n        return 2\n\nV = type('V', (C,), {'ping': None})\n"
    out, skips = run({"m.py": src}, include_unreferenced=True)
    assert "a subclass of C is made with type() at m.py:8" in skip_reason(skips, "C.ping()")
    assert "    def pong(self):" in out["m.py"]


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("return next(it)", "next() without a default at line 2"),
        ("raise StopIteration", "raise StopIteration at line 2"),
        ("return it.__next__()", "__next__() at line 2"),
    ],
)
def test_a_body_that_can_raise_stopiteration_stays_a_coroutine(body, where):
    src = f"async def first(it):\n    {body}\n\nasync def main():\n    return await first(iter([]))\n"
    assert f"it can raise StopIteration ({where})" in skip_reason(run({"m.py": src})[1], "first()")
    fine = "async def first(its):\n    return next(iter(its), None) or list(next(a) for a in its)\n\nasync def main():\n    return await first([])\n"
    assert converted({"m.py": fine}) == {"m.py:first"}  # a default, or next() inside a generator expression


def test_every_rewrite_is_a_safe_fix_in_one_unit_per_linked_group(tmp_path):
    files = {
        "a.py": "async def leaf():\n    return 1\n\nasync def other():\n    return 2\n",
        "b.py": "from a import leaf, other\n\nasync def mid():\n    return await leaf()\n\nasync def top():\n    return await mid() + await other()\n\nasync def main():\n    import asyncio\n    await asyncio.sleep(0)\n    return await top()\n",
    }
    repo = make_repo(tmp_path / "repo", files)
    cs = engine.run([str(repo)], [AwaitFree({"include-public": True})], jobs=1, root=str(repo))
    assert cs.changes and all(c.safety == "safe" and c.why for c in cs.changes)
    units = {c.unit for c in cs.changes}
    # top awaits mid and other, mid awaits leaf: one group, one unit, over both files
    assert len(units) == 1 and units.pop().startswith("await-free:")
    assert {c.path for c in cs.changes} == {"a.py", "b.py"}


PUBLIC_AND_PRIVATE = {
    "svc/__init__.py": "",
    "svc/store.py": "async def _encode(x):\n    return [x]\n\n\nasync def save(x):\n    return await _encode(x)\n",
    "svc/_run.py": (
        "import asyncio\n\nfrom svc.store import save\n\n\nasync def _go():\n    return await save(1)\n\n\n"
        "async def main():\n    await asyncio.sleep(0)\n    return await _go()\n"
    ),
}
RUN_SVC = "import asyncio, svc._run as r; print(asyncio.run(r.main()))"


def test_public_names_are_unsafe_fixes_and_private_ones_stay_safe(tmp_path):
    """A public name (no leading underscore in its module, class or own name) may be awaited by code
    outside the repository: converting it is an unsafe fix, and so is converting what awaits only it.
    Without unsafe fixes it stays async before the fixpoint, so nothing becomes plain because of it."""
    repo = make_repo(tmp_path / "repo", PUBLIC_AND_PRIVATE)
    before = subprocess.run([sys.executable, "-c", RUN_SVC], cwd=repo, capture_output=True, text=True)
    assert before.returncode == 0 and before.stdout == "[1]\n", before.stderr

    everything = engine.run([str(repo)], [AwaitFree()], jobs=1, root=str(repo))  # unsafe fixes allowed
    safety = {(c.path, c.line, c.message.split(" ")[0]): c.safety for c in everything.changes}
    assert safety == {
        ("svc/store.py", 1, "_encode()"): "safe", ("svc/store.py", 6, "_encode()"): "safe",
        ("svc/store.py", 5, "save()"): "unsafe", ("svc/_run.py", 7, "save()"): "unsafe",
        ("svc/_run.py", 6, "_go()"): "unsafe", ("svc/_run.py", 12, "_go()"): "unsafe",
    }
    unsafe = [c for c in everything.changes if c.safety == "unsafe"]
    assert all("code outside this repository may await it" in c.why for c in unsafe)
    # the safe conversion is a unit of its own: review can take it without the public one
    assert len({c.unit for c in unsafe}) == 1 and not {c.unit for c in unsafe} & {
        c.unit for c in everything.changes if c.safety == "safe"}

    safe_only = AwaitFree()
    safe_only.allow_unsafe = False
    cs = engine.run([str(repo)], [safe_only], jobs=1, root=str(repo))
    assert [(c.path, c.line) for c in cs.changes] == [("svc/store.py", 1), ("svc/store.py", 6)]
    assert [(s.path, s.line, s.reason.split(":")[0]) for s in cs.skips if "public name" in s.reason] == [
        ("svc/store.py", 5, "save()")]
    assert "`svc.store.save`" in next(s.reason for s in cs.skips if s.line == 5)
    engine.write_changes(cs)
    assert (repo / "svc/store.py").read_text() == (
        "def _encode(x):\n    return [x]\n\n\nasync def save(x):\n    return _encode(x)\n")
    after = subprocess.run([sys.executable, "-c", RUN_SVC], cwd=repo, capture_output=True, text=True)
    assert (after.returncode, after.stdout, after.stderr) == (0, before.stdout, before.stderr)

    # include-public: the repository says it is the only user of its names, and every fix is safe
    mine = make_repo(tmp_path / "mine", PUBLIC_AND_PRIVATE)
    cs = engine.run([str(mine)], [AwaitFree({"include-public": True})], jobs=1, root=str(mine))
    assert len(cs.changes) == 6 and {c.safety for c in cs.changes} == {"safe"}


def test_tests_scripts_and_nested_functions_are_not_public():
    facts_of = {"tests/test_api.py": "tests.test_api", "conftest.py": "conftest", "pkg/_impl.py": "pkg._impl",
                "__main__.py": "__main__"}
    for path, _module in facts_of.items():
        src = "async def helper():\n    return 1\n\n\nasync def check():\n    await asyncio.sleep(0)\n    return await helper()\n"
        src = "import asyncio\n\n" + src
        t = get("await-free")()
        t.allow_unsafe = False
        res = engine.apply_to_source([t], src, path=path, module=_module)
        assert "def helper():" in res.new_text and "async def helper" not in res.new_text, path
        assert {c.safety for c in res.changes} == {"safe"}, path


def test_a_suppressed_definition_or_call_site_keeps_the_group_async(tmp_path):
    files = {
        "a.py": "async def leaf():  # codemod: ignore[CM301]\n    return 1\n\nasync def two():\n    return 2\n",
        "b.py": "from a import leaf, two\n\nasync def main():\n    import asyncio\n    await asyncio.sleep(0)\n    await two()  # codemod: ignore[await-free]\n    return await leaf()\n",
    }
    repo = make_repo(tmp_path / "repo", files)
    cs = engine.run([str(repo)], [AwaitFree()], jobs=1, root=str(repo))
    assert not cs.files
    assert [c.message for c in cs.suppressed] == ["leaf() never awaits: async def -> def"]
    assert any("two(): its call at b.py:6 carries `# codemod: ignore`" in s.format() for s in cs.skips)


def test_a_package_that_publishes_names_is_indexed_whatever_it_mentions(tmp_path):
    files = {
        "sdk/__init__.py": 'from .client import Client as Client\n\n__all__ = ["Client"]\n',
        "sdk/client.py": "class Client:\n    async def aclose(self):\n        return None\n\n    async def __aexit__(self, *exc):\n        await self.aclose()\n",
    }
    repo = make_repo(tmp_path / "repo", files)
    cs = engine.run([str(repo)], [AwaitFree()], jobs=1, root=str(repo))
    assert not cs.files
    assert any("listed in __all__ of sdk/__init__.py" in s.reason for s in cs.skips), [s.format() for s in cs.skips]
