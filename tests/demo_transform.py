"""A minimal transform used to test the engine on its own (not registered: the product never sees it).

It renames calls ``old_api(...)`` to ``new_api(...)`` and skips every other use of ``old_api``.
"""

from __future__ import annotations

import ast

import libcst as cst
import libcst.matchers as m
from libcst.metadata import PositionProvider

from codemods.transforms.base import RewriteContext, SourceInfo, Transform


class DemoRename(Transform):
    name = "demo-rename"
    summary = "Rename old_api() calls to new_api()."
    prefilter = (b"old_api",)

    def index(self, src: SourceInfo, tree: ast.Module):
        lines = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == "old_api"]
        return tuple(lines) or None

    def rewrite(self, module: cst.Module, file_plan, ctx: RewriteContext) -> cst.Module:
        wrapper = cst.MetadataWrapper(module, unsafe_skip_copy=True)
        positions = wrapper.resolve(PositionProvider)

        class Renamer(cst.CSTTransformer):
            def __init__(self) -> None:
                super().__init__()
                self.calls: set[cst.Name] = set()

            def visit_Call(self, node: cst.Call) -> None:
                if m.matches(node.func, m.Name("old_api")):
                    self.calls.add(node.func)

            def leave_Name(self, original: cst.Name, updated: cst.Name) -> cst.Name:
                if original.value != "old_api":
                    return updated
                pos = positions[original].start
                if original in self.calls:
                    ctx.change(pos.line, pos.column + 1, "old_api() is new_api()")
                    return updated.with_changes(value="new_api")
                ctx.skip(pos.line, pos.column + 1, "old_api used other than by a call")
                return updated

        return wrapper.visit(Renamer())
