"""Phase 4, plan: the only phase that sees the whole repository.

Each transform turns every file's facts into a :class:`~codemods.transforms.base.Plan`: the files it
will rewrite (with what it needs to know there) and repository-level skips. Single-file transforms
keep the default plan (every file with facts). The plans become the rewrite phase's work: per file,
the transforms that rewrite it, in the run's order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

from ..changeset import FileError
from ..model import Skip
from ..transforms.base import Plan, Transform
from .discover import Workspace
from .index import Index
from .items import Step


@dataclass
class Plans:
    by_transform: dict[str, Plan] = field(default_factory=dict)
    work: dict[str, list[Step]] = field(default_factory=dict)  # path -> the steps that rewrite it
    skips: list[Skip] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)


def run(ws: Workspace, transforms: Sequence[Transform], idx: Index) -> Plans:
    plans = Plans()
    unparsed = {rel: ws.files[rel].data for rel in sorted(idx.failed) if rel in ws.files}
    for t in transforms:
        t.unparsed = unparsed
        try:
            plans.by_transform[t.name] = t.plan(idx.facts[t.name])
        except Exception as exc:
            plans.errors.append(FileError("<plan>", f"internal error in {t.name} while planning: {type(exc).__name__}: {exc}", "internal"))
            plans.by_transform[t.name] = Plan()
        plans.skips.extend(plans.by_transform[t.name].skips)
    for t in transforms:
        for rel, file_plan in plans.by_transform[t.name].files.items():
            if not ws.editable_by(t, rel):
                plans.errors.append(FileError(rel, f"internal error in {t.name}: planned an edit outside the paths given; not rewritten", "internal"))
            elif rel not in idx.failed:
                plans.work.setdefault(rel, []).append(Step(t, file_plan))
    return plans
