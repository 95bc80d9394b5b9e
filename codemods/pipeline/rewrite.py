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
from .passes import LIBCST_CANNOT_PARSE, LIBCST_PARSES, Memo, collector_paused, rewrite_module, single_file_pass
from .positions import rebase
from .store import digest, stable, tool_digest
from .verify import verify

MAX_SETTLE_ROUNDS = 3


def run(
    ws, work: dict, transforms: Sequence[Transform], executor, progress=None, store=None, fingerprints=None,
) -> list[RewriteResult]:
    """Rewrite every file of the plans' ``work`` (path → steps), in path order.

    With a store, a file whose bytes, plans (each step's), run transforms and tool code are those of
    an earlier run gets that run's outcome back, and only the others go to the executor."""
    jobs = [
        RewriteJob(ws.files[rel], tuple(steps), tuple(t for t in transforms if ws.editable_by(t, rel)))
        for rel, steps in sorted(work.items())
    ]
    if store is None or not store.directory or not fingerprints:
        return _largest_first(executor, jobs, progress)
    keys = [result_key(job, fingerprints) for job in jobs]
    found = store.values("result", keys)
    todo = [job for job, key in zip(jobs, keys) if not isinstance(found.get(key), RewriteResult)]
    fresh = iter(_largest_first(executor, todo, progress))
    results = []
    for job, key in zip(jobs, keys):
        cached = found.get(key)
        if isinstance(cached, RewriteResult) and cached.path == job.file.path:
            cached.reused = True
            results.append(cached)
            continue
        result = next(fresh)
        store.store("result", key, result)
        results.append(result)
    return results


def _largest_first(executor, jobs: list[RewriteJob], progress) -> list[RewriteResult]:
    """The executor's map over ``jobs``, given the largest files first (a file's LibCST work grows with
    its size, and a large file started last keeps one worker busy while the others wait); the results
    come back in the jobs' order."""
    order = sorted(range(len(jobs)), key=lambda i: -len(jobs[i].file.data))
    done = executor.map(rewrite_one, [jobs[i] for i in order], phase="rewrite", progress=progress)
    results: list[RewriteResult] = [None] * len(jobs)  # type: ignore[list-item]
    for i, result in zip(order, done):
        results[i] = result
    return results


def result_key(job: RewriteJob, fingerprints) -> str:
    f = job.file
    return digest(
        tool_digest(), f.digest, f.path, f.module, str(f.is_package),
        [(fingerprints[s.transform.name], s.transform.allow_unsafe, stable(s.plan)) for s in job.steps],
        [(fingerprints[t.name], t.allow_unsafe) for t in job.selected],
    )


def rewrite_one(job: RewriteJob) -> RewriteResult:
    """The per-file step (runs in a worker)."""
    before = LIBCST_PARSES[0]
    try:
        with collector_paused():
            result = _rewrite_file(job)
    except RecursionError:  # LibCST's code generation and visitors recurse on very deep expressions
        result = RewriteResult(job.file.path, errors=[("error", "nested too deeply for LibCST (recursion limit): left unchanged")])
    result.libcst_parses = LIBCST_PARSES[0] - before
    if result.new_text is not None:  # the diff's hunks, made here (in the worker) and kept with the outcome
        result.hunks = _hunks(job.file.data, result.new_text)
    return result


def _hunks(data: bytes, new_text: str):
    from ..changeset import FileChange

    return FileChange("", data, new_text, decode(data)).hunks()


def _rewrite_file(job: RewriteJob) -> RewriteResult:
    f = job.file
    path = f.path
    result = RewriteResult(path)
    memo = Memo()
    try:
        decoded = decode(f.data)
        module = memo.module(decoded.text)
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
        rebase(ctx, original, current)  # reported on the previous transforms' output: lines of the file on disk
        result.skips.extend(ctx.skips)
        result.held.extend(ctx.held)
        result.suppressed.extend(ctx.suppressed)
        new_text = new_module.code
        if new_text == current:
            continue
        problem = verify(transform, new_text, path, f.module, f.is_package, memo)
        if problem:
            result.errors.append(("internal", f"{transform.name}: {problem}; its changes to this file were dropped"))
            continue
        result.changes.extend(ctx.changes)
        module, current = new_module, new_text
    if current != original:
        settled = settle(
            job.selected, current, path, f.module, f.is_package, Reports(result.skips, result.held, result.suppressed), memo,
            original=original,
        )
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


def settle(
    transforms: Sequence[Transform], text: str, path: str, module: str, is_package: bool, reports: Reports,
    memo: Memo | None = None, original: str | None = None,
) -> Settled:
    """Run the single-file transforms again on a changed file until none changes it.

    One transform's output can give another work: match-hoist makes one await out of an if/else inside
    a lock block, which lock-await then moves; lock-await can leave an arm ending in an await that
    match-hoist then hoists. Without this, a second `codemod apply -t all` would change the file again.
    Returns the text, the further changes, problems, and ``reports`` (the first pass's) with the
    single-file transforms' ones replaced by the final pass's when a further pass changed the file.
    With the file's ``memo``, a pass verification already made over the same text is not made again.
    ``original``: the file's text before any transform, whose coordinates every report is given in.
    """
    memo = memo or Memo()
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
            outcome = single_file_pass(t, text, path, module, is_package, memo=memo)
            if outcome is None:
                continue
            if isinstance(outcome, str):
                problems.append(outcome)
                continue
            new_text, ctx = outcome
            if original is not None:
                rebase(ctx, original, text)
            final.add(ctx)
            if new_text == text:
                continue
            problem = verify(t, new_text, path, module, is_package, memo)
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
