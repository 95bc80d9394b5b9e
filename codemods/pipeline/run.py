"""The run: the phases in sequence, with the executor and the store as seams.

``run_phases`` returns every phase's product (:class:`RunResult`), for callers that need more than
the :class:`~codemods.changeset.Changeset`: the audit reads ``result.index.facts`` of its own
consumers (``indexers``), parsed in the same pass as the transforms'. ``run_workspace`` starts after
discovery, for text that is not on disk (standard input).
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field
from typing import Any, Sequence

from ..changeset import Changeset, FileChange, FileError
from ..config import Config
from ..source import decode
from ..transforms.base import Transform
from . import discover, executors, format, index, plan, rewrite
from .discover import Workspace
from .executors import Executor, Progress
from .index import Index
from .items import RewriteResult
from .passes import collector_paused, ordered, single_file_pass
from .plan import Plans
from .store import FactsCache


def _fixpoint(transforms: Sequence[Transform], f, text: str) -> bool:
    """A second run of the single-file transforms changes nothing in ``text`` (costs an ``ast`` index
    unless there is work)."""
    for t in transforms:
        if t.cross_file:
            continue
        again = single_file_pass(t, text, f.path, f.module, f.is_package)
        if isinstance(again, str) or (again is not None and again[0] != text):
            return False
    return True


@dataclass
class RunResult:
    changeset: Changeset
    workspace: Workspace
    index: Index
    plans: Plans
    results: list[RewriteResult] = field(default_factory=list)


def run(
    paths: Sequence[str],
    transforms: Sequence[Transform],
    config: Config | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    root: str | None = None,
    cache_dir: str | None = None,
    executor: Executor | None = None,
) -> Changeset:
    """Run ``transforms`` over ``paths``. ``cache_dir``: where index facts are cached (None: no cache)."""
    return run_phases(
        paths, transforms, config=config, jobs=jobs, progress=progress, root=root, cache_dir=cache_dir, executor=executor
    ).changeset


def run_phases(
    paths: Sequence[str],
    transforms: Sequence[Transform],
    *,
    config: Config | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    root: str | None = None,
    cache_dir: str | None = None,
    executor: Executor | None = None,
    indexers: Sequence[Any] = (),
    formatting: bool = True,
) -> RunResult:
    """discover → prefilter → index → plan → rewrite → verify, over the files under ``paths``.

    ``executor``: how per-file phases run (default: a local process pool of ``jobs`` workers; the caller
    closes an executor it passes). ``indexers``: consumers of the index phase that are not transforms.
    ``formatting``: a changed file that was clean under the project's formatter is formatted (:mod:`.format`).
    """
    started = time.perf_counter()
    config = config or Config()
    transforms = ordered(transforms)
    root, in_git = discover.locate(paths, root)
    found = discover.find(paths, config, root, in_git, whole_repository=any(t.cross_file for t in transforms))
    ws = discover.read(found)
    ws.ignore(config, transforms)
    return run_workspace(
        ws, transforms, jobs=jobs or config.jobs or os.cpu_count() or 1, progress=progress, cache_dir=cache_dir,
        executor=executor, indexers=indexers, formatting=formatting, started=started,
    )


def run_workspace(
    ws: Workspace,
    transforms: Sequence[Transform],
    *,
    jobs: int = 1,
    progress: Progress | None = None,
    cache_dir: str | None = None,
    executor: Executor | None = None,
    indexers: Sequence[Any] = (),
    formatting: bool = True,
    started: float | None = None,
) -> RunResult:
    """The phases after discovery, over a :class:`Workspace` (files read from disk, or given bytes)."""
    t0 = started if started is not None else time.perf_counter()
    transforms = ordered(transforms)
    # Cross-file transforms read the whole repository (a caller in tests/ is still a caller) but may
    # only edit the files under the paths given: ``editable`` tells their plan which those are.
    for t in transforms:
        ignored = ws.ignored.get(t.name, frozenset())
        t.editable = None if ws.whole and not ignored else frozenset(ws.scope - ignored)
    t_read = time.perf_counter()
    owned = executor is None
    ex = executors.make("process", jobs) if owned else executor
    store = FactsCache(cache_dir)
    try:
        # The facts of thousands of files arrive in this process and stay until the end: none is
        # garbage, and a collector walking them again and again costs seconds (see collector_paused).
        with collector_paused():
            idx = index.run(ws, [*transforms, *indexers], ex, store, progress)
            t_index = time.perf_counter()
            plans = plan.run(ws, transforms, idx, store)
            t_plan = time.perf_counter()
            results = rewrite.run(ws, plans.work, transforms, ex, progress, store, idx.fingerprints)
            t_rewrite = time.perf_counter()
        store.save()
    finally:
        if owned:
            ex.close()
        store.close()
    formatted = format.Outcome()
    if formatting:
        changed = {r.path: (ws.files[r.path].data, r.new_text) for r in results if r.new_text is not None}
        formatted = format.run(ws.root, changed, accept=lambda path, text: _fixpoint(transforms, ws.files[path], text))
        for r in results:
            if r.path in formatted.texts:
                r.new_text, r.hunks = formatted.texts[r.path], None
    t_format = time.perf_counter()

    cs = Changeset(root=ws.root, transforms=[t.name for t in transforms])
    names = {t.name for t in transforms}
    cs.errors.extend(ws.errors)
    cs.notices.extend(ws.notices)
    cs.notices.extend(formatted.notices)
    for path, message in idx.failed.items():
        if path in ws.scope:
            cs.errors.append(file_error(path, message, "error", names))
        else:  # read only for its references: the user did not ask to process it
            cs.notices.append(FileError(path, f"not read for references: {message}", "notice"))
    cs.errors.extend(plans.errors)
    cs.skips.extend(plans.skips)
    for res in results:
        cs.skips.extend(res.skips)
        cs.held.extend(res.held)
        cs.suppressed.extend(res.suppressed)
        for kind, message in res.errors:
            cs.errors.append(file_error(res.path, message, kind, names))
        if res.new_text is not None:
            data = ws.files[res.path].data
            hunks = (res.new_text, res.hunks) if res.hunks is not None else None
            cs.files.append(FileChange(res.path, data, res.new_text, decode(data), sorted(res.changes), hunks))
    cs.files.sort(key=lambda f: f.path)
    cs.skips = sorted(set(cs.skips))
    cs.held = sorted(set(cs.held))
    cs.suppressed = sorted(set(cs.suppressed))
    cs.stats = {
        "files": len(ws.scope),
        "files_read": len(ws.files),
        "indexed": idx.indexed,
        "rewritten": len(plans.work),
        "reported_from_plan": len(plans.reported),
        "libcst_files": sum(1 for r in results if r.libcst_parses),
        "libcst_parses": sum(r.libcst_parses for r in results),
        "cache_hits": idx.cache_hits,
        "plans_reused": plans.reused,
        "results_reused": sum(r.reused for r in results),
        "read_s": round(t_read - t0, 4),
        "index_s": round(t_index - t_read, 4),
        "plan_s": round(t_plan - t_index, 4),
        "rewrite_s": round(t_rewrite - t_plan, 4),
        "formatted": len(formatted.texts),
        "format_s": round(t_format - t_rewrite, 4),
        "total_s": round(t_format - t0, 4),
    }
    return RunResult(cs, ws, idx, plans, results)


_LINE = re.compile(r"\(line (\d+)\)|line (\d+)\b")
_TRANSFORM = re.compile(r"^(?:internal error in )?([a-z][a-z0-9-]*)(?::| while )")


def file_error(path: str, message: str, kind: str, transforms: set[str]) -> FileError:
    """A file's error with the line (a syntax error's) and the transform it concerns, when the
    message names them."""
    m = _LINE.search(message)
    line = int(m.group(1) or m.group(2)) if m else 0
    t = _TRANSFORM.match(message)
    transform = t.group(1) if t and t.group(1) in transforms else ""
    return FileError(path, message, kind, line, transform)
