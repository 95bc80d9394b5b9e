"""delegate-elide: rewrites, skips, options, and behaviour of converted delegations."""

from __future__ import annotations

import ast
import asyncio
import inspect
import pickle
import subprocess
import sys
import textwrap

import pytest

from codemods.engine import apply_to_source
from codemods.transforms import get
from codemods.transforms.base import SourceInfo
from codemods.transforms.delegate_elide import DelegateElide


def dedent(src: str) -> str:
    return textwrap.dedent(src).lstrip("\n")


def elide(src: str, **options):
    result = apply_to_source([DelegateElide(options)], dedent(src))
    assert not result.errors, result.errors
    return result


def test_converts_function_and_wraps_annotation_with_one_import():
    result = elide(
        """
        import asyncio


        async def _get(path: str) -> bytes:
            await asyncio.sleep(0)
            return path.encode()


        async def get(path: str) -> bytes:
            \"\"\"Doc.\"\"\"
            return await _get(path)


        async def head(path: str) -> bytes:
            return await _get(path)
        """
    )
    assert result.new_text == dedent(
        """
        import asyncio
        from collections.abc import Awaitable


        async def _get(path: str) -> bytes:
            await asyncio.sleep(0)
            return path.encode()


        def get(path: str) -> Awaitable[bytes]:
            \"\"\"Doc.\"\"\"
            return _get(path)


        def head(path: str) -> Awaitable[bytes]:
            return _get(path)
        """
    )
    assert [c.line for c in result.changes] == [9, 14]
    assert result.skips == []


def test_uses_typing_when_the_file_imports_from_typing_and_existing_awaitable():
    result = elide(
        """
        from typing import Optional


        async def g() -> Optional[int]: ...


        async def f() -> Optional[int]:
            return await g()
        """
    )
    assert "from typing import Awaitable, Optional\n" in result.new_text
    assert "def f() -> Awaitable[Optional[int]]:" in result.new_text
    already = elide(
        """
        from collections.abc import Awaitable


        async def g(): ...


        async def f() -> int:
            return await g()
        """
    )
    assert already.new_text.count("Awaitable") == 2


def test_awaitable_bound_to_something_else_is_left_alone():
    result = elide(
        """
        from mylib import Awaitable


        async def g(): ...


        async def f() -> int:
            return await g()


        async def h():
            return await g()
        """
    )
    assert "async def f" in result.new_text and "def h():\n    return g()" in result.new_text
    assert [s.line for s in result.skips] == [7]
    assert "`Awaitable` is already bound" in result.skips[0].reason


def test_methods_of_a_class_without_bases():
    result = elide(
        """
        class Client(object):
            async def fetch(self, url):
                return await self._request("GET", url)

            async def _request(self, method, url):
                return method, url
        """
    )
    assert "    def fetch(self, url):\n        return self._request(\"GET\", url)" in result.new_text


@pytest.mark.parametrize(
    "src, reason",
    [
        (
            """
            import functools

            async def g(): ...

            @functools.lru_cache
            async def f():
                return await g()
            """,
            "decorated with `@functools.lru_cache`",
        ),
        (
            """
            class A:
                async def __aenter__(self):
                    return await self.start()

                async def start(self): ...
            """,
            "`__aenter__` is a special method",
        ),
        (
            """
            class A(Base):
                async def f(self):
                    return await self.g()

                async def g(self): ...
            """,
            "whose base `Base`",
        ),
        (
            """
            class A(metaclass=Meta):
                async def f(self):
                    return await self.g()

                async def g(self): ...
            """,
            "whose base `metaclass=Meta`",
        ),
        (
            """
            class A:
                async def f(self):
                    return await self.g()

                async def g(self): ...

            class B(A):
                pass

            class C(B):
                f = None
            """,
            "redefined by subclass `C` (line 10)",
        ),
        (
            """
            async def g(): ...

            async def test_g():
                return await g()
            """,
            "framework-names pattern `test*`",
        ),
        (
            """
            async def g(): ...

            async def on_ready():
                return await g()
            """,
            "framework-names pattern `on_*`",
        ),
        (
            """
            async def g(): ...

            async def f():
                return await g()

            callbacks = [f]
            """,
            "`f` is used as a value at line 6",
        ),
        (
            """
            async def g(): ...

            async def f():
                return await g()

            def lookup(obj):
                return getattr(obj, "f")
            """,
            "used as a value at line 7",
        ),
        (
            """
            async def f(client):
                return await client.get()
            """,
            "cannot tell that `client.get` is a coroutine function",
        ),
        (
            """
            async def f(n):
                return await f(n - 1)
            """,
            "awaits itself",
        ),
        (
            """
            def g(): ...

            async def f():
                return await g()
            """,
            "cannot tell that `g`",
        ),
        (
            """
            async def g(): ...

            async def f(g):
                return await g()
            """,
            "cannot tell that `g`",
        ),
    ],
)
def test_left_alone_with_reason(src, reason):
    src = dedent(src)
    result = apply_to_source([DelegateElide()], src)
    assert result.new_text == src
    assert len(result.skips) == 1, result.skips
    assert reason in result.skips[0].reason


@pytest.mark.parametrize(
    "body",
    [
        "try:\n        return await g()\n    finally:\n        pass",
        "async with g() as x:\n        return await x",
        "x = await g()\n    return x",
        "return await g(await g())",
        "return await g([y async for y in g()])",
        "return await something",
    ],
)
def test_not_a_single_step_delegation_is_not_a_candidate(body):
    src = f"async def g(*a): ...\n\n\nasync def f():\n    {body}\n"
    result = apply_to_source([DelegateElide()], src)
    assert result.new_text == src and result.skips == [] and result.changes == []


def test_names_exported_in_all_are_not_value_uses():
    result = elide(
        """
        __all__ = ["fetch"]
        __all__ += ["other"]


        async def _get(): ...


        async def fetch():
            return await _get()
        """
    )
    assert "def fetch():\n    return _get()" in result.new_text and result.skips == []


def test_options_framework_names_and_unknown_callees():
    src = """
        async def test_it(client):
            return await client.get()
        """
    assert "async def" in elide(src).new_text
    converted = elide(src, **{"framework-names": [], "allow-unknown-callees": True})
    assert converted.new_text == "def test_it(client):\n    return client.get()\n"
    with pytest.raises(ValueError, match="unknown option"):
        DelegateElide({"framework_names": []})


def test_stdlib_coroutine_functions_are_known():
    result = elide(
        """
        import asyncio
        from asyncio import wait_for as wf


        async def nap(d): return await asyncio.sleep(d)


        async def bounded(aw, t):
            return await wf(aw, t)
        """
    )
    assert "def nap(d): return asyncio.sleep(d)" in result.new_text
    assert "def bounded(aw, t):\n    return wf(aw, t)" in result.new_text


def test_second_run_changes_nothing():
    src = dedent(
        """
        async def g(x): return x

        async def f(x) -> int:
            return await g(x)
        """
    )
    once = apply_to_source([DelegateElide()], src)
    twice = apply_to_source([DelegateElide()], once.new_text)
    assert once.new_text != src and twice.new_text == once.new_text and twice.changes == []


# ---------------------------------------------------------------------------------------------
# behaviour

BEHAVIOUR = '''
import asyncio

LOG = []


class Store:
    def __init__(self):
        self.items = {"a": 1}

    async def get(self, key, default=None):
        await asyncio.sleep(0)
        LOG.append(("get", key))
        return self.items.get(key, default)

    async def lookup(self, key):
        return await self.get(key.lower(), default=0)


async def double(x):
    await asyncio.sleep(0)
    return 2 * x


async def twice(x) -> int:
    return await double(x)


async def main(store):
    results = [await store.lookup("A"), await store.lookup("Z"), await twice(4)]
    task = asyncio.create_task(twice(5))
    results.append(await task)
    results.append(await asyncio.gather(twice(1), store.lookup("a")))
    results.append(await asyncio.wait_for(twice(2), 1))
    return results
'''


def _run(text: str):
    ns: dict = {}
    exec(compile(text, "behaviour.py", "exec"), ns)
    result = asyncio.run(ns["main"](ns["Store"]()))
    return result, list(ns["LOG"]), ns


def test_converted_delegations_behave_like_the_original():
    result = apply_to_source([DelegateElide()], BEHAVIOUR)
    assert [c.message.split("`")[1] for c in result.changes] == ["lookup", "twice"]
    before, log_before, _ = _run(BEHAVIOUR)
    after, log_after, ns = _run(result.new_text)
    assert after == before == [1, 0, 8, 10, [2, 1], 4]
    assert log_after == log_before
    # the documented caveat is real: the functions are no longer coroutine functions
    assert not inspect.iscoroutinefunction(ns["twice"])
    assert not inspect.iscoroutinefunction(ns["Store"].lookup)


def test_documented_caveat_exception_surfaces_at_the_call():
    converted = apply_to_source([DelegateElide()], BEHAVIOUR).new_text
    ns: dict = {}
    exec(compile(converted, "behaviour.py", "exec"), ns)
    store = ns["Store"]()
    with pytest.raises(AttributeError):
        store.lookup(None)  # `None.lower()` now raises here, not at the await
    doc = DelegateElide.doc()
    assert "iscoroutinefunction" in doc and "surfaces at the call" in doc


# ---------------------------------------------------------------------------------------------
# contract


def test_index_facts_and_registration():
    t = DelegateElide()
    facts = t.index(SourceInfo("m.py", "m", False, BEHAVIOUR), ast.parse(BEHAVIOUR))
    assert facts == ("lookup", "twice")
    assert pickle.loads(pickle.dumps(facts)) == facts
    plain = "async def f():\n    x = await g()\n    return x\n"
    assert t.index(SourceInfo("m.py", "m", False, plain), ast.parse(plain)) is None
    cls = get("delegate-elide")
    assert cls is DelegateElide and cls.in_all is False
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert heading in cls.doc()


def test_cli_explain_states_the_caveats():
    out = subprocess.run([sys.executable, "-m", "codemods", "explain", "delegate-elide"], capture_output=True, text=True)
    assert out.returncode == 0
    text = " ".join(out.stdout.split())
    assert "inspect.iscoroutinefunction(x)" in text and "surfaces at the call" in text


# -- issue 9: a callee shadowed in an enclosing scope; a file that inspects coroutine functions -------


def _elide(src: str, **options):
    from codemods.engine import apply_to_source
    from codemods.transforms.delegate_elide import DelegateElide

    t = DelegateElide({k.replace("_", "-"): v for k, v in options.items()})
    return apply_to_source([t], textwrap.dedent(src).lstrip("\n"))


def test_a_callee_bound_by_an_enclosing_function_is_not_the_module_coroutine():
    src = """
    async def fetch(url):
        return url

    async def crawl(urls, fetch=fetch):
        async def fetch_one(url):
            return await fetch(url)
        return [await fetch_one(u) for u in urls]

    async def plain(url):
        return await fetch(url)
    """
    result = _elide(src)
    assert [s.reason for s in result.skips if s.line == 5] == [
        "`fetch` is bound in the enclosing function `crawl` (a parameter or a local), which shadows any "
        "`fetch` of the module: what it calls cannot be told"
    ]
    assert "def plain(url):\n    return fetch(url)" in result.new_text  # the module's coroutine: converted
    # even with unknown callees allowed: the enclosing binding is not the function's own parameter
    assert "async def fetch_one" in _elide(src, allow_unknown_callees=True).new_text
    nested = "async def outer():\n    async def fetch(u):\n        return u\n    async def get(u):\n        return await fetch(u)\n    return await get(1)\n"
    assert "    def get(u):\n        return fetch(u)" in _elide(nested).new_text  # a nested async def: known


@pytest.mark.parametrize(
    "inspection",
    [
        "inspect.iscoroutinefunction(handler)",
        "asyncio.iscoroutinefunction(handler)",
        "iscoroutinefunction(handler)",
        "inspect.getmembers(handler, inspect.iscoroutinefunction)",
    ],
)
def test_a_file_that_tells_coroutine_functions_apart_keeps_them(inspection):
    src = f"""
    import asyncio
    import inspect
    from inspect import iscoroutinefunction

    async def ping():
        return await asyncio.sleep(0)

    def is_async(handler):
        return {inspection}
    """
    result = _elide(src)
    assert result.new_text == textwrap.dedent(src).lstrip("\n")
    assert "this file tells coroutine functions from others with" in result.skips[0].reason
    plain = _elide(src.replace(inspection, "inspect.getmembers(handler)"))
    assert "def ping():\n    return asyncio.sleep(0)" in plain.new_text


def test_every_fix_is_unsafe_with_a_reason_and_rule_id():
    from codemods.transforms.delegate_elide import DelegateElide

    result = _elide("import asyncio\n\nasync def nap() -> None:\n    return await asyncio.sleep(0)\n")
    assert [c.safety for c in result.changes] == ["unsafe"]
    assert "iscoroutinefunction" in result.changes[0].why and result.changes[0].unit
    assert DelegateElide.rules == ("CM303",) and DelegateElide.fix_safety == "unsafe"
    assert "from collections.abc import Awaitable" in result.new_text
