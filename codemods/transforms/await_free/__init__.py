"""await-free: an ``async def`` that never awaits becomes ``def``, and its callers drop their ``await``.

The package follows the pipeline:

- ``facts``: what ``index`` records per file (plain, picklable data);
- ``scopes`` and ``index``: one walk of CPython's ``ast`` per file;
- ``resolve``: names, modules, classes and MROs across the repository;
- ``uses``: every reference to a candidate, resolved;
- ``exemptions``: why a candidate must stay a coroutine function;
- ``fixpoint``: which candidates convert together, and their units;
- ``rewrite``: LibCST, only in files that change;
- ``reasons``: every message a user reads.
"""

from __future__ import annotations

import ast
import sys
from typing import Any

import libcst as cst

from .. import register
from ..base import SAFE, Plan, RewriteContext, SourceInfo, Transform
from . import fixpoint
from .facts import AsyncDef, ClassInfo, FileFacts
from .index import Indexer
from .resolve import is_external_class, stdlib_declares
from .rewrite import FilePlan, rewrite


@register
class AwaitFree(Transform):
    """Turn `async def` functions that never await into plain functions, and drop the `await` at every call site.

    ## What it does
    Finds `async def` functions and methods whose own body contains no `await`, `async for`,
    `async with`, async comprehension or `yield`, turns them into plain `def`, and removes the
    `await` in front of every call to them, in every module of the repository: through
    `import m; await m.f()`, `from m import f as g; await g()`, package re-exports, and
    `await self.method()` / `await cls.method()`. Converting a function can make its callers
    await-free as well: the transform repeats until nothing more changes, and functions that only
    await each other (recursion) convert together. Awaits inside nested functions do not count for
    the outer one. A method is converted only when every attribute reference to its name in the
    repository resolves to it: through `self`/`cls`, `super()`, the class itself, an instance created
    in the same scope (`c = Client(); await c.close()`) or a parameter annotated with the class
    (`async def pay(account: Account)`).

    It promises to see every use, so whatever it cannot follow blocks the conversion, with a reason
    that names it:

    - what the function is: an async dunder (`__aenter__`, ...), abstract, decorated (except
      `staticmethod`/`classmethod`), or able to raise `StopIteration` itself (`next(it)` without a
      default, `raise StopIteration`: a coroutine turns it into `RuntimeError`, PEP 479);
    - how its class is made: a class decorator (other than `dataclass`, `total_ordering`, `final`,
      ...), a metaclass (other than `ABCMeta`/`EnumMeta`), an `__init_subclass__` in the hierarchy,
      a subclass made with `type(name, (Base,), {...})`: each may wrap or inspect the methods;
    - its place in the hierarchy: overrides of a base-class method (or of any method of a base class
      from outside the repository that may declare it), methods a subclass overrides, methods of a
      `Protocol`;
    - rebinding: a name bound more than once (a walrus, a `global` store in a function, a
      conditional import), a module global replaced from another module (`mailer.transport = Fake()`,
      `setattr(mailer, ...)`, `patch("mailer.transport")`), which may hold any class;
    - how it is used: other than by `await f(...)` (passed or stored as a value, `create_task(f())`,
      `gather(f())`, `asyncio.run(f())`), named by a string (`getattr(obj, "f")`), reachable by a
      computed name (`getattr(self, "on_" + event)` reaches every `on_` method of the class;
      `getattr(commands, f"cmd_{name}")` every `cmd_` function of the module; on a receiver of
      unknown class, every name whose computed part a string of the repository spells; a computed
      getattr whose value is only used as a receiver or tested reaches nothing itself), or through a
      receiver of unknown class (`await conn.close()`, a module object: `await plugin.setup(app)`);
    - nothing in the repository references it (a framework or an outside caller may await it; see
      `include-unreferenced`), or it is listed in a module's `__all__` (public API; see
      `include-public`).

    ## Why is this bad?
    An `async def` that never suspends costs a coroutine object, an event-loop-visible `await` at
    every call, and misleads the reader into thinking the call may yield to other tasks (so that
    shared state may change across it). It also forces every caller to be `async` itself, which
    spreads through the code base.

    ## Example
    ```python
    async def parse(raw: bytes) -> dict:
        return json.loads(raw)

    async def handle(raw: bytes) -> None:
        data = await parse(raw)
        await store.save(data)
    ```

    Use instead:
    ```python
    def parse(raw: bytes) -> dict:
        return json.loads(raw)

    async def handle(raw: bytes) -> None:
        data = parse(raw)
        await store.save(data)
    ```

    ## Fix safety
    Safe for a private name, unsafe for a public one. A body that never suspends runs the same when
    called directly as when awaited, and the transform converts a function only when it sees and
    updates every reference to it in the repository; what it cannot follow blocks the conversion (see
    above). But a public name (no leading underscore in its module, class or own name, not nested in a
    function, not in a test module) may be awaited by code outside the repository, a library's users or
    a framework's plugins, where `await` of its plain result raises `TypeError`: converting it, and
    whatever converts only because it does, is unsafe. Without unsafe fixes those stay async, each
    reported with its dotted name; `include-public = true` says the repository is the only user of its
    names (an application) and makes every conversion safe. A converted definition, its
    call sites in every file, and the converted callers that awaited it are one unit: review accepts
    or declines them together. Exceptions raised by the body now propagate at the call rather than at
    the `await`; at an `await f()` call site both happen in the same expression. Parameter
    annotations are trusted: a caller that passes an object of another class (a mock, a duck-typed
    stand-in) to a parameter annotated `Account` is not seen. A name computed on a receiver of unknown
    class from outside data only (a configuration file, the network) with no literal prefix is not
    seen either, nor is `StopIteration` raised by a plain function the body calls. Files that do not
    parse are not seen: fix them first. Options (`[tool.codemod.await-free]`): `include-public = true`
    treats public names as the repository's own (safe fixes) and also converts names listed in
    `__all__`; `include-unreferenced = true` also converts functions nothing references.
    """

    name = "await-free"
    fix_safety = SAFE  # for private names; a public name's conversion is unsafe (see Fix safety)
    rules = ("CM301",)
    summary = "async def functions that never await become def; their call sites drop the await"
    # besides the files that define coroutines: those that publish names (`__all__`), and those that
    # may reach or replace functions by computed names, `type()`, `setattr` or `global` stores
    prefilter = (b"async def", b"__all__", b"getattr", b"setattr", b"type(", b"import_module", b"global ")
    positional_plan = True
    cross_file = True
    version = "2"
    option_defaults = {"include-public": False, "include-unreferenced": False}

    # -- index ----------------------------------------------------------------------------------
    def index(self, src: SourceInfo, tree: ast.Module) -> FileFacts | None:
        # the walk recurses once per nesting level: anything ast.parse accepts (up to ~3000 levels of
        # ``a + b + ...``) must be walkable (Python frames do not use the C stack since 3.11)
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 12000))
        try:
            return Indexer(src, (self.name, *self.rules)).run(tree)
        finally:
            sys.setrecursionlimit(limit)

    def reference_names(self, facts: dict[str, Any]) -> set[bytes]:
        # b"import *": a package that re-exports with a star import never names what it re-exports,
        # and without its facts every name reached through it would be unresolvable. The names of
        # classes with candidate methods find the files that re-export or replace those classes, the
        # names of module-level instances those that replace them (``mailer.transport = Fake()``).
        names: set[bytes] = {b"import *"}
        for f in facts.values():
            owners = set()
            for d in f.defs:
                if d.hard is None:
                    names.add(d.name.encode())
                    if d.cls is not None:
                        owners.add(d.cls.split(".")[0])
            names.update(o.encode() for o in owners)
            for ref in f.refs:
                if ref[1] == "KG":
                    names.add(ref[2][1].encode())
        return names

    # -- plan -----------------------------------------------------------------------------------
    def plan(self, facts: dict[str, Any]) -> Plan:
        facts = {p: f for p, f in facts.items() if isinstance(f, FileFacts)}
        return fixpoint.plan(
            facts, self.options, self.name, getattr(self, "editable", None), self.unparsed, self.allow_unsafe
        )

    # -- rewrite --------------------------------------------------------------------------------
    def rewrite(self, module: cst.Module, file_plan: FilePlan, ctx: RewriteContext) -> cst.Module:
        return rewrite(module, file_plan, ctx)


__all__ = ["AsyncDef", "AwaitFree", "ClassInfo", "FileFacts", "FilePlan", "is_external_class", "stdlib_declares"]
