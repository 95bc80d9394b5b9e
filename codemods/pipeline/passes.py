"""The primitives every phase is made of: parse with ``ast``, one transform's rewrite of one LibCST
module, and one transform's whole pass over one file alone (index → plan → rewrite), which
verification, settling and :func:`~.single.apply_to_source` share."""

from __future__ import annotations

import ast
import contextlib
import gc
import warnings
from typing import Any, Iterator

import libcst as cst

from .. import suppress
from ..transforms._shared.positions import remember_source
from ..transforms.base import RewriteContext, SourceInfo, Transform
from ..model import Skip

LIBCST_CANNOT_PARSE = "LibCST cannot parse it"
LIBCST_PARSES = [0]  # LibCST parses made in this process (the rewrite phase reports each file's count)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for one file's work, as it was before.

    An ``ast`` tree or a LibCST module is hundreds of thousands of objects built in one go, none of
    them garbage while the file is worked on; with the collector running, every few hundred
    allocations it walks the young objects and, ever more often as the tree grows, the older ones:
    about a third of the index phase on a large repository. Paused per file, the objects of one file
    are collected (if ever they form cycles) once it is done, so memory stays what one file needs."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def parse_cst(text: str) -> cst.Module:
    """LibCST's parse, counted: the figure the speed benchmark reports beside the files present."""
    LIBCST_PARSES[0] += 1
    module = cst.parse_module(text)
    remember_source(module, text)  # transforms that read the text again get it without a code generation
    return module


def parse_python(text: str, path: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences etc. are not ours to report
        return ast.parse(text, filename=path)


def rewrite_module(
    transform: Transform, module: cst.Module, file_plan: Any, path: str, suppressions: suppress.Suppressions | None = None
) -> tuple[cst.Module, RewriteContext] | str:
    """``transform.rewrite`` on one module: the new module and what it reported, or a message when it failed."""
    ctx = transform.context(path, suppressions)
    try:
        new_module = transform.rewrite(module, file_plan, ctx)
    except RecursionError:
        return f"{transform.name}: nested too deeply (recursion limit); file left unchanged by it"
    except Exception as exc:
        return f"internal error in {transform.name}: {type(exc).__name__}: {str(exc)[:500]}; file left unchanged by it"
    return new_module, ctx


class Memo:
    """What one file's rewrite would otherwise compute more than once, computed once, by text.

    Verification runs a transform again on its output, and settling runs every single-file transform
    on the final text, often the same text: the ``ast`` tree, the LibCST module and whole passes of a
    transform over a given text are shared. LibCST trees are immutable, so one module can feed several
    transforms (as the first pass does); one ``ast`` tree serves every transform's ``index``, as in the
    index phase. ``texts``: how many distinct texts to remember (a file goes through a handful).
    """

    def __init__(self, texts: int = 8) -> None:
        self.limit = texts
        self._trees: dict[str, ast.Module] = {}
        self._modules: dict[str, cst.Module] = {}
        self._passes: dict[tuple[str, str], tuple[Any, list[Skip]]] = {}

    def _remember(self, table: dict, key, value):
        if len(table) >= self.limit * (4 if table is self._passes else 1):
            table.pop(next(iter(table)))
        table[key] = value
        return value

    def tree(self, text: str, path: str) -> ast.Module:
        tree = self._trees.get(text)
        return tree if tree is not None else self._remember(self._trees, text, parse_python(text, path))

    def module(self, text: str) -> cst.Module:
        module = self._modules.get(text)
        return module if module is not None else self._remember(self._modules, text, parse_cst(text))


def single_file_pass(
    transform: Transform, text: str, path: str, module: str, is_package: bool, plan_skips: list[Skip] | None = None,
    memo: Memo | None = None,
) -> tuple[str, RewriteContext] | str | None:
    """index → plan → rewrite on one file alone. None when the transform does not touch it (the
    prefilter, the index or the plan says so: no LibCST parse then); a message when it fails. The
    plan's skips go to ``plan_skips`` when given. With a ``memo``, a pass already made over the same
    text is not made again."""
    key = (transform.name, text)
    if memo is not None and key in memo._passes:
        outcome, skips = memo._passes[key]
    else:
        skips = []
        outcome = _single_file_pass(transform, text, path, module, is_package, skips, memo or Memo(1))
        if memo is not None:
            memo._remember(memo._passes, key, (outcome, skips))
    if plan_skips is not None:
        plan_skips.extend(skips)
    return outcome


def _single_file_pass(
    transform: Transform, text: str, path: str, module: str, is_package: bool, plan_skips: list[Skip], memo: Memo
) -> tuple[str, RewriteContext] | str | None:
    if not transform.wants(text.encode("utf-8", "surrogatepass")):
        return None
    tree = memo.tree(text, path)
    facts = transform.index(SourceInfo(path, module, is_package, text), tree)
    if not facts:
        return None
    plan = transform.plan({path: facts})
    plan_skips.extend(plan.skips)
    if path not in plan.files:
        return None
    try:
        module_cst = memo.module(text)
    except cst.ParserSyntaxError as exc:  # Python parses it, LibCST's tokenizer does not
        return f"{LIBCST_CANNOT_PARSE}: {str(exc).splitlines()[0]}"
    outcome = rewrite_module(transform, module_cst, plan.files[path], path, suppress.parse(text))
    if isinstance(outcome, str):
        return outcome
    return outcome[0].code, outcome[1]


def ordered(transforms) -> list[Transform]:
    """Transforms whose plan holds index-time positions run first on each file."""
    return sorted(transforms, key=lambda t: not t.positional_plan)
