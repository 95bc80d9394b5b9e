"""One source text alone, through every phase in this process (tests, property checks, editors)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from ..model import Change, Skip
from ..transforms.base import Transform
from .items import Reports
from .passes import LIBCST_CANNOT_PARSE, Memo, ordered, single_file_pass
from .positions import rebase
from .rewrite import settle
from .verify import verify


@dataclass
class SourceResult:
    new_text: str
    changes: list[Change]
    skips: list[Skip]
    errors: list[str]
    held: list[Change] = field(default_factory=list)
    suppressed: list[Change] = field(default_factory=list)


def apply_to_source(transforms: Iterable[Transform], text: str, path: str = "mod.py", module: str = "mod") -> SourceResult:
    """Run transforms on one source text alone.

    Cross-file transforms see only this file, as if it were the whole repository.
    """
    changes: list[Change] = []
    reports = Reports()
    errors: list[str] = []
    current = text
    is_package = path.endswith("__init__.py")
    selected = ordered(list(transforms))
    memo = Memo()
    for transform in selected:
        outcome = single_file_pass(transform, current, path, module, is_package, reports.skips, memo)
        if outcome is None:
            continue
        if isinstance(outcome, str):
            errors.append(outcome)
            if outcome.startswith(LIBCST_CANNOT_PARSE):
                break  # no other transform can read it either
            continue
        new_text, ctx = outcome
        reports.add(rebase(ctx, text, current))
        if new_text == current:
            continue
        problem = verify(transform, new_text, path, module, is_package, memo)
        if problem:
            errors.append(f"{transform.name}: {problem}")
            continue
        changes.extend(ctx.changes)
        current = new_text
    if current != text:
        settled = settle(selected, current, path, module, is_package, reports, memo, original=text)
        current, reports = settled.text, settled.reports
        changes.extend(settled.changes)
        errors.extend(settled.problems)
    return SourceResult(current, changes, reports.skips, errors, reports.held, reports.suppressed)
