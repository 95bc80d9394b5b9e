"""The helpers every transform shares (codemods/transforms/_shared): tables of (before, after)."""

from __future__ import annotations

import libcst as cst
import pytest

from codemods.transforms._shared import add_import, fresh_name, identifier_from

IMPORTS = [
    pytest.param(  # sorted plain imports: its alphabetical place, the section's blank lines kept above it
        '"""doc"""\n\nimport json\nimport subprocess\nfrom pathlib import Path\n\nimport requests\n',
        '"""doc"""\n\nimport asyncio\nimport json\nimport subprocess\nfrom pathlib import Path\n\nimport requests\n',
        id="sorted-section",
    ),
    pytest.param(
        "import sys\nimport os\n\nimport requests\n", "import sys\nimport os\nimport asyncio\n\nimport requests\n",
        id="unsorted-section-appends",
    ),
    pytest.param(
        "from pathlib import Path\n\nimport requests\n", "import asyncio\nfrom pathlib import Path\n\nimport requests\n",
        id="only-from-imports",
    ),
    pytest.param(
        "from __future__ import annotations\n\nimport requests\n",
        "from __future__ import annotations\n\nimport asyncio\n\nimport requests\n",
        id="third-party-only-gets-a-stdlib-section",
    ),
    pytest.param("import asyncio\nx = 1\n", "import asyncio\nx = 1\n", id="already-there"),
    pytest.param("x = 1\n", "import asyncio\n\nx = 1\n", id="no-imports"),
]


@pytest.mark.parametrize(("before", "after"), IMPORTS)
def test_add_import_places_a_stdlib_import_where_isort_would(before: str, after: str):
    assert add_import(cst.parse_module(before), "asyncio").code == after


def test_add_import_merges_a_name_into_an_existing_from_import():
    module = cst.parse_module("from typing import Any, Optional\n")
    assert add_import(module, "typing", "Awaitable").code == "from typing import Any, Awaitable, Optional\n"


def test_fresh_names_are_never_keywords_builtins_or_taken():
    taken = {"timeout"}
    assert fresh_name("self._class", taken=taken) == "class_"
    assert fresh_name("timeout", taken=taken) == "timeout_2"
    assert fresh_name("id", taken=taken) == "id_"
    assert fresh_name(None, "3x", taken=taken) == "value"
    assert identifier_from("self.OnClose") == "on_close"


WALRUS_CASES = {
    "statement": "def f(xs):\n    if (n := len(xs)) > 1:\n        return n\n",
    "nested-block": "def f(xs):\n    for x in xs:\n        try:\n            y = x\n        except E as e:\n            while (m := g(e)):\n                pass\n",
    "comprehension": "def f(xs):\n    ys = [z for x in xs if (z := x)]\n    return [(w := 1) for _ in ys], z\n",
    "lambda": "def f(xs):\n    g = lambda: (q := 1)\n    return g\n",
    "class-body": "class C:\n    a = [(k := 1) for _ in ()]\n    if (b := 2):\n        c = 3\n",
    "match": "def f(m):\n    match m:\n        case {'a': x, **rest} if (t := x):\n            return [t, rest]\n        case [y, *others] as whole:\n            return y\n",
    "multi-line": "def f(a):\n    v = g(\n        a,\n        (u := 1),\n    )\n    return u\n",
    "string-only": "def f():\n    s = ':='\n    return s\n",
    "carriage-returns": "x = 1\rdef f(a):\r    y = 2\r    if (n := a):\r        return n\r",
}


def _bindings(index):
    import ast

    def shape(scope):
        return (
            {name: [(kind, id(what) if isinstance(what, ast.AST) else what) for kind, what in b] for name, b in scope.bindings.items()},
            sorted(scope.globals), sorted(scope.nonlocals),
        )

    return {type(node).__name__ + str(getattr(node, "lineno", 0)): shape(scope) for node, scope in index.scopes.items()}, index.star_import


def _indexed_sources():
    from .conftest import GOLDEN, ROOT

    yield from WALRUS_CASES.items()
    for path in sorted([*GOLDEN.rglob("before/*.py"), *(ROOT / "tests" / "corpus").rglob("*.py"), *(ROOT / "codemods").rglob("*.py")]):
        yield str(path), path.read_text(encoding="utf-8")
    import asyncio

    for path in sorted(__import__("pathlib").Path(asyncio.__file__).parent.glob("*.py")):
        yield str(path), path.read_text(encoding="utf-8")


def test_ast_index_binds_the_same_with_the_statement_only_walk():
    """Given the source, AstIndex walks the expressions of a statement only when they span a line
    that spells `:=`: every scope binds the same names to the same nodes, in the same order, as the
    walk of every node. (Also checked on the 6,725 files of Home Assistant 2024.3.3.)"""
    import ast

    from codemods.transforms._shared.ast_index import AstIndex

    seen = 0
    for name, text in _indexed_sources():
        try:
            tree = ast.parse(text)
        except SyntaxError:  # the cases of files that do not parse
            continue
        fast, full = AstIndex(tree, "m", False, text), AstIndex(tree, "m", False)
        assert _bindings(fast) == _bindings(full), name
        seen += 1
    assert seen > 100
    walrus = AstIndex(ast.parse(WALRUS_CASES["comprehension"]), "m", False, WALRUS_CASES["comprehension"])
    assert {"ys", "z", "w"} <= set(next(s for n, s in walrus.scopes.items() if isinstance(n, ast.FunctionDef)).bindings)


ASYNC_CASES = {
    "decorated": "@deco(await x)\nasync def f():\n    return await g(await h())\n",
    "nested": "async def f():\n    async def g():\n        await a\n    await (await b)\n    return [await c for _ in d]\n",
    "fstring": "async def f(x):\n    return f'{await x} and {(await x)!r}'\n",
    "unicode": "async def f():\n    s = 'héllo ☃'; await g(s, await h('ü'))\n",
    "tabs-crlf": "async def f():\r\n\tawait g()\r\n\tif x:\r\n\t\tawait (\r\n\t\t\th())\r\n",
    "cr-only": "async def f():\r    await g()\r    return await h()\r",
    "lambda-default": "async def f(a=lambda: None):\n    return {k: await v for k, v in a}\n",
    "class": "class C:\n    async def m(self):\n        await self.n()\n\n    @property\n    async def p(self):\n        return await q\n",
}


def _async_sources():
    """Goldens, corpus and the asyncio modules with the most awaits: each LibCST parse with positions
    costs a tenth of a second or more, so not every file of codemods and asyncio."""
    from pathlib import Path

    import asyncio

    from .conftest import GOLDEN, ROOT

    for path in sorted([*GOLDEN.rglob("before/*.py"), *(ROOT / "tests" / "corpus").rglob("*.py")]):
        yield str(path), path.read_text(encoding="utf-8")
    for name in ("streams.py", "tasks.py", "locks.py", "base_subprocess.py", "staggered.py", "taskgroups.py"):
        path = Path(asyncio.__file__).parent / name
        yield str(path), path.read_text(encoding="utf-8")


def test_async_starts_are_where_libcst_puts_them():
    """await-free finds its async defs and awaits by order, not with LibCST's position metadata: each is
    where ``Positions`` says, on every golden and corpus file, asyncio's modules with the most awaits and
    the tricky cases (decorators, nesting, f-strings, non-ASCII, tabs, CRLF and CR line endings). (Also
    checked on a 300-file sample of Home Assistant: 1,534 nodes, all equal.)"""
    import ast

    from codemods.transforms._shared.positions import Positions, _Starts, async_starts, ordinal_starts, remember_source

    sources = list(ASYNC_CASES.items()) + [(n, t) for n, t in _async_sources() if "async" in t]
    checked, fallbacks = 0, []
    for name, text in sources:
        try:
            ast.parse(text)
            module = cst.parse_module(text)
        except (SyntaxError, cst.ParserSyntaxError):
            continue
        remember_source(module, text)
        positions = Positions(module)
        starts = async_starts(module)
        visitor = _Starts()
        module.visit(visitor)
        ordinal = ordinal_starts(text, visitor.defs, visitor.awaits)
        if ordinal is None:
            fallbacks.append(name)
        for node in [*visitor.defs, *visitor.awaits]:
            line, col = positions.start(node)
            assert starts[node] == (line, col - 1), (name, line, col)
            if ordinal is not None:
                assert ordinal[node] == (line, col - 1), (name, line, col)
            checked += 1
    assert checked > 500
    assert fallbacks == [], fallbacks  # the order held everywhere: LibCST's positions were never needed


def test_the_command_line_starts_without_libcst_matchers():
    """``libcst.matchers`` (and ``libcst.codemod``, which imports it) cost half a second to import, more
    than a warm run's work: every transform imports them lazily (``_shared.lazy``), and the patterns
    still match once used."""
    import subprocess
    import sys

    code = (
        "import sys, codemods.cli, codemods.transforms\n"
        "codemods.transforms.registry()\n"
        "assert 'libcst.matchers' not in sys.modules and 'libcst.codemod' not in sys.modules, "
        "sorted(m for m in sys.modules if m.startswith('libcst.'))\n"
        "from codemods.transforms.match_hoist import _patterns\n"
        "import libcst as cst\n"
        "from codemods.transforms._shared.lazy import matchers as m\n"
        "assert m.matches(cst.parse_statement('await f(x)\\n').body[0], _patterns()['tail'])\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_columns_count_lines_as_python_does():
    """``columns`` and ``lines_holding`` number lines as ``ast`` does: a form feed is not a line break
    (``str.splitlines`` says it is), a lone carriage return is; columns are characters, not bytes."""
    import ast

    from codemods.transforms._shared.positions import columns, lines_holding, python_lines

    text = "x = 1\x0c\ny = 'é'; zz = 2\rw = (v := 3)\n"
    column, lines = columns(text), python_lines(text)
    names = [n for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Name)]
    assert {n.id for n in names} == {"x", "y", "zz", "w", "v"}
    for n in names:
        assert lines[n.lineno - 1][column(n.lineno, n.col_offset) - 1:].startswith(n.id), n.id
    assert lines_holding(text, ":=") == [3]
