"""Phase 5, rewrite: LibCST applies the plan, only to the files in it.

One LibCST parse per file feeds every transform that plans an edit there, in turn; each transform's
output is verified (:mod:`.verify`) before the next one receives it. When several single-file
transforms run together, a changed file is then settled: they run again until none changes it (one
transform's output can give another work), so that a second run changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import libcst as cst

from .. import suppress
from ..model import Change
from ..source import SourceError, decode
from ..transforms.base import Transform
from .items import Reports, RewriteJob, RewriteResult
from .passes import LIBCST_CANNOT_PARSE, LIBCST_PARSES, parse_cst, rewrite_module, single_file_pass
from .verify import verify

MAX_SETTLE_ROUNDS = 3


def run(ws, work: dict, transforms: Sequence[Transform], executor, progress=None) -> list[RewriteResult]:
    """Rewrite every file of the plans' ``work`` (path → steps), in path order."""
    jobs = [
        RewriteJob(ws.files[rel], tuple(steps), tuple(t for t in transforms if ws.editable_by(t, rel)))
        for rel, steps in sorted(work.items())
    ]
    return executor.map(rewrite_one, jobs, phase="rewrite", progress=progress)


def rewrite_one(job: RewriteJob) -> RewriteResult:
    """The per-file step (runs in a worker)."""
    before = LIBCST_PARSES[0]
    try:
        result = _rewrite_file(job)
    except RecursionError:  # LibCST's code generation and visitors recurse on very deep expressions
        result = RewriteResult(job.file.path, errors=[("error", "nested too deeply for LibCST (recursion limit): left unchanged")])
    result.libcst_parses = LIBCST_PARSES[0] - before
    return result


def _rewrite_file(job: RewriteJob) -> RewriteResult:
    f = job.file
    path = f.path
    result = RewriteResult(path)
    try:
        decoded = decode(f.data)
        module = parse_cst(decoded.text)
    except SourceError as exc:
        result.errors.append(("error", str(exc)))
        return result
    except (cst.ParserSyntaxError, SyntaxError) as exc:
        result.errors.append(("error", f"{LIBCST_CANNOT_PARSE}: {str(exc).splitlines()[0]}"))
        return result
    original = decoded.text
    current = original
    for step in job.steps:
        transform = step.transform
        outcome = rewrite_module(transform, module, step.plan, path, suppress.parse(current))
        if isinstance(outcome, str):
            result.errors.append(("internal", outcome))
            continue
        new_module, ctx = outcome
        result.skips.extend(ctx.skips)
        result.held.extend(ctx.held)
        result.suppressed.extend(ctx.suppressed)
        new_text = new_module.code
        if new_text == current:
            continue
        problem = verify(transform, new_text, path, f.module, f.is_package)
        if problem:
            result.errors.append(("internal", f"{transform.name}: {problem}; its changes to this file were dropped"))
            continue
        result.changes.extend(ctx.changes)
        module, current = new_module, new_text
    if current != original:
        settled = settle(job.selected, current, path, f.module, f.is_package, Reports(result.skips, result.held, result.suppressed))
        current = settled.text
        result.skips, result.held, result.suppressed = settled.reports.skips, settled.reports.held, settled.reports.suppressed
        result.changes.extend(settled.changes)
        result.errors.extend(("internal", p) for p in settled.problems)
        result.new_text = current
    return result


@dataclass
class Settled:
    text: str
    changes: list[Change]
    problems: list[str]
    reports: Reports


def settle(transforms: Sequence[Transform], text: str, path: str, module: str, is_package: bool, reports: Reports) -> Settled:
    """Run the single-file transforms again on a changed file until none changes it.

    One transform's output can give another work: match-hoist makes one await out of an if/else inside
    a lock block, which lock-await then moves; lock-await can leave an arm ending in an await that
    match-hoist then hoists. Without this, a second `codemod apply -t all` would change the file again.
    Returns the text, the further changes, problems, and ``reports`` (the first pass's) with the
    single-file transforms' ones replaced by the final pass's when a further pass changed the file.
    """
    singles = [t for t in transforms if not t.cross_file]
    changes: list[Change] = []
    problems: list[str] = []
    if len(singles) < 2:
        return Settled(text, changes, problems, reports)  # one transform alone is a fixpoint: verify() checked it
    settled = False
    final = Reports()
    for _ in range(MAX_SETTLE_ROUNDS):
        changed = False
        final = Reports()
        for t in singles:
            outcome = single_file_pass(t, text, path, module, is_package)
            if outcome is None:
                continue
            if isinstance(outcome, str):
                problems.append(outcome)
                continue
            new_text, ctx = outcome
            final.add(ctx)
            if new_text == text:
                continue
            problem = verify(t, new_text, path, module, is_package)
            if problem:
                problems.append(f"{t.name}: {problem}; its further changes to this file were dropped")
                continue
            changes.extend(ctx.changes)
            text, changed = new_text, True
        if not changed:
            settled = True
            break
    if changes and settled:
        # a later pass changed the file: the first pass's reports may no longer hold, report the last pass's
        reports = reports.replacing({t.name for t in singles}, final)
    return Settled(text, changes, problems, reports)
