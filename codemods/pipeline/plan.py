"""Phase 4, plan: the only phase that sees the whole repository.

Each transform turns every file's facts into a :class:`~codemods.transforms.base.Plan`: the files it
will rewrite (with what it needs to know there) and repository-level skips. Single-file transforms
keep the default plan (every file with facts). The plans become the rewrite phase's work: per file,
the transforms that rewrite it, in the run's order. A file whose only steps would report skips and
change nothing (``Plan.report_only``) is not work: its skips are reported from the plan.
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
from .store import FactsCache, LazyFacts, digest, tool_digest


@dataclass
class Plans:
    by_transform: dict[str, Plan] = field(default_factory=dict)
    work: dict[str, list[Step]] = field(default_factory=dict)  # path -> the steps that rewrite it
    skips: list[Skip] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    reused: int = 0  # plans read from the store
    reported: set[str] = field(default_factory=set)  # files reported from the plan alone (nothing to rewrite)


def run(ws: Workspace, transforms: Sequence[Transform], idx: Index, store: FactsCache | None = None) -> Plans:
    """Every transform's plan; from the store when its facts (by key), editable paths, unparsed files
    and code are those of a plan made before (a warm run reads no facts then)."""
    plans = Plans()
    unparsed = {rel: ws.files[rel].data for rel in sorted(idx.failed) if rel in ws.files}
    unparsed_identity = [(rel, ws.files[rel].digest) for rel in unparsed]
    caching = store is not None and bool(store.directory)
    for t in transforms:
        t.unparsed = unparsed
        key = None
        facts = idx.facts[t.name]
        identity = facts.digest() if caching and isinstance(facts, LazyFacts) else None
        if identity is not None and t.name in idx.fingerprints:
            editable = sorted(t.editable) if t.editable is not None else None
            key = digest(tool_digest(), idx.fingerprints[t.name], str(t.allow_unsafe), identity, editable, unparsed_identity)
            cached = store.lookup("plan", key)
            if isinstance(cached, Plan):
                plans.by_transform[t.name] = cached
                plans.skips.extend(cached.skips)
                plans.reused += 1
                continue
        try:
            plans.by_transform[t.name] = t.plan(facts)
        except Exception as exc:
            plans.errors.append(FileError("<plan>", f"internal error in {t.name} while planning: {type(exc).__name__}: {exc}", "internal"))
            plans.by_transform[t.name] = Plan()
            key = None
        if key is not None:
            store.store("plan", key, plans.by_transform[t.name])
        plans.skips.extend(plans.by_transform[t.name].skips)
    # A file that only some transform's report is waiting for is reported from the plan (no rewrite).
    rewritten = {
        rel for t in transforms for rel in plans.by_transform[t.name].files
        if rel not in plans.by_transform[t.name].report_only
    }
    for t in transforms:
        for rel, skips in plans.by_transform[t.name].report_only.items():
            if rel not in rewritten and rel not in idx.failed and ws.editable_by(t, rel):
                plans.skips.extend(skips)
                plans.reported.add(rel)
    for t in transforms:
        for rel, file_plan in plans.by_transform[t.name].files.items():
            if rel in plans.reported and rel in plans.by_transform[t.name].report_only:
                continue
            if not ws.editable_by(t, rel):
                plans.errors.append(FileError(rel, f"internal error in {t.name}: planned an edit outside the paths given; not rewritten", "internal"))
            elif rel not in idx.failed:
                plans.work.setdefault(rel, []).append(Step(t, file_plan))
    return plans
