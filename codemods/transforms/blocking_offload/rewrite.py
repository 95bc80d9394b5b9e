"""The rewrite: one LibCST pass over the calls :mod:`.facts` found in the text it is given."""

from __future__ import annotations

import ast
from typing import Optional

import libcst as cst

from ...model import SAFE, UNSAFE
from ..base import RewriteContext
from .._shared import Positions, add_import, import_style, names_in
from .._shared.ast_index import AstIndex
from .facts import BlockingCall, iter_blocking_calls

SLEEP_WHY = (
    "the coroutine waits as long as before and computes the same; other tasks run during the wait instead "
    "of the whole event loop stopping"
)
THREAD_WHY = (
    "the call now runs on a worker thread, concurrently with the event loop: check that it is thread-safe "
    "(shared state, objects bound to the loop or to one thread), that nothing relies on it finishing before "
    "other tasks run, and that it needs no thread-local state; a cancelled await leaves the thread to finish"
)


def _char_col(lines: list[str], line: int, offset: int) -> int:
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    if text.isascii():
        return offset + 1
    return len(text.encode("utf-8")[:offset].decode("utf-8", "replace")) + 1


class _Access:
    """How generated code names ``asyncio.sleep`` / ``asyncio.to_thread`` in this file."""

    def __init__(self, module_name: Optional[str], from_names: dict[str, str], import_needed: Optional[tuple]):
        self.module_name = module_name  # "asyncio" (or an alias) for `asyncio.X`
        self.from_names = from_names  # attr -> local name, for `from asyncio import X`
        self.import_needed = import_needed  # (module, name or None) to add, if any

    def func(self, attr: str) -> cst.BaseExpression:
        if attr in self.from_names:
            return cst.Name(self.from_names[attr])
        return cst.Attribute(value=cst.Name(self.module_name or "asyncio"), attr=cst.Name(attr))


def _access(index: AstIndex, module: cst.Module, attrs: set[str]) -> tuple[Optional[_Access], str]:
    scope = index.scopes[index.tree]
    aliases = [n for n, b in scope.bindings.items() if b and all(k == "import" and w == "asyncio" for k, w in b)]
    if aliases:
        return _Access("asyncio" if "asyncio" in aliases else aliases[0], {}, None), ""
    taken = names_in(index.tree)
    from_names = {
        a: n for n, b in scope.bindings.items() for a in attrs
        if b and all(k == "import" and w == f"asyncio.{a}" for k, w in b)
    }
    if import_style(module, "asyncio") == "from":
        missing = [a for a in attrs if a not in from_names]
        if all(a not in taken for a in missing):
            if len(missing) <= 1:
                return _Access(None, {**from_names, **{a: a for a in missing}}, ("asyncio", missing[0]) if missing else None), ""
    if "asyncio" not in taken:
        return _Access("asyncio", {}, ("asyncio", None)), ""
    return None, "the name `asyncio` is taken in this module: there is no free name to import asyncio as"


def rewrite_module(module: cst.Module, ctx: RewriteContext) -> cst.Module:
    text = module.code
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return module
    index = AstIndex(tree)
    found = iter_blocking_calls(index)
    if not found:
        return module
    lines = text.split("\n")
    targets: dict[tuple[int, int, int, int], tuple[ast.Call, BlockingCall]] = {}
    todo: list[tuple[ast.Call, BlockingCall]] = []
    for node, call in found:
        col = _char_col(lines, node.lineno, node.col_offset)
        if call.skip:
            ctx.skip(node.lineno, col, call.skip)
            continue
        end_line = node.end_lineno or node.lineno
        targets[(node.lineno, col, end_line, _char_col(lines, end_line, node.end_col_offset or 0))] = (node, call)
        todo.append((node, call))
    if not todo:
        return module
    attrs = {"sleep" if c.is_sleep else "to_thread" for _, c in todo}
    access, problem = _access(index, module, attrs)
    if access is None:
        for node, call in todo:
            ctx.skip(node.lineno, _char_col(lines, node.lineno, node.col_offset), problem)
        return module
    # a local binding of the name generated code uses would capture it: leave those calls alone
    for key, (node, call) in list(targets.items()):
        attr = "sleep" if call.is_sleep else "to_thread"
        name = access.from_names.get(attr) or access.module_name or "asyncio"
        expected = f"asyncio.{attr}" if attr in access.from_names else "asyncio"
        scope = index.scope_of(node)
        resolved = index.qualname(ast.Name(id=name, ctx=ast.Load()), scope)
        bound_here = index._lookup(name, scope) is not None
        if resolved != expected and (resolved is not None or bound_here):
            ctx.skip(key[0], key[1], f"`{name}` means something else here: generated code cannot name asyncio's `{attr}`")
            del targets[key]
    unit = f"{ctx.transform}:{ctx.path}:asyncio" if access.import_needed else ""
    positions = Positions(module)
    offload = _Offload(positions, targets, access, ctx, unit, index)
    new = module.visit(offload)
    if not offload.made:
        return module
    if access.import_needed:
        new = add_import(new, *access.import_needed)
    if offload.sleep_names:
        from libcst.codemod import CodemodContext  # imported when needed: see _shared.lazy
        from libcst.codemod.visitors import RemoveImportsVisitor

        context = CodemodContext()
        for spec in offload.sleep_names:
            RemoveImportsVisitor.remove_unused_import(context, *spec)
        new = RemoveImportsVisitor(context).transform_module(new)
    return new


def _sleep_import(index: AstIndex, call: BlockingCall) -> Optional[tuple]:
    """The import that named ``time.sleep`` at this call, as RemoveImportsVisitor wants it."""
    head = call.call.split(".")[0]
    bindings = index.scopes[index.tree].bindings.get(head) or []
    if len(bindings) != 1 or bindings[0][0] != "import":
        return None
    what = bindings[0][1]
    if what == "time":
        return ("time",) if head == "time" else ("time", None, head)
    if what == "time.sleep":
        return ("time", "sleep", None if head == "sleep" else head)
    return None


class _Offload(cst.CSTTransformer):
    def __init__(self, positions: Positions, targets, access: _Access, ctx: RewriteContext, unit: str, index: AstIndex) -> None:
        super().__init__()
        self.positions = positions
        self.targets = targets
        self.access = access
        self.ctx = ctx
        self.unit = unit
        self.generated: set[cst.Await] = set()
        self.made = 0
        self.sleep_names: list[tuple] = []
        self.index = index

    def _paren(self, node: cst.BaseExpression) -> cst.BaseExpression:
        if node in self.generated and not node.lpar:
            return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
        return node

    def leave_Attribute(self, original_node, updated_node):
        return updated_node.with_changes(value=self._paren(updated_node.value))

    def leave_Subscript(self, original_node, updated_node):
        return updated_node.with_changes(value=self._paren(updated_node.value))

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        updated_node = updated_node.with_changes(func=self._paren(updated_node.func))
        if original_node not in self.positions:
            return updated_node
        start = self.positions.start(original_node)
        end = self.positions.end(original_node)
        hit = self.targets.get((*start, *end))
        if hit is None:
            return updated_node
        node, call = hit
        if call.is_sleep:
            message = f"`{call.call}(...)` -> `await asyncio.sleep(...)`: the coroutine waits without stopping the event loop"
            if not self.ctx.fix(*start, message, safety=SAFE, why=SLEEP_WHY, unit=self.unit, end=end):
                return updated_node
            new = cst.Await(expression=updated_node.with_changes(func=self.access.func("sleep")))
            spec = _sleep_import(self.index, call)
            if spec and spec not in self.sleep_names:
                self.sleep_names.append(spec)
        else:
            message = f"`{call.call}(...)` -> `await asyncio.to_thread({call.call}, ...)`: {call.waits} on a worker thread"
            if not self.ctx.fix(*start, message, safety=UNSAFE, why=THREAD_WHY, unit=self.unit, end=end):
                return updated_node
            ws = updated_node.whitespace_before_args
            first = cst.Arg(
                value=updated_node.func,
                comma=cst.Comma(whitespace_after=ws if isinstance(ws, cst.ParenthesizedWhitespace) else cst.SimpleWhitespace(" ")),
            ) if updated_node.args else cst.Arg(value=updated_node.func)
            new = cst.Await(expression=updated_node.with_changes(
                func=self.access.func("to_thread"), args=[first, *updated_node.args],
            ))
        self.generated.add(new)
        self.made += 1
        return new


__all__ = ["rewrite_module"]
