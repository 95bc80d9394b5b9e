"""Phase 3, index: one CPython ``ast`` parse per file, every consumer's facts from that one tree.

A consumer is anything with ``name``, ``wants(data)`` and ``index(src, tree)`` returning plain,
picklable facts (or None when the file has nothing for it): every transform, and consumers that are
not transforms, such as audit rules, which get the same parse for free. Pass them to
:func:`~.run.run_phases` as ``indexers``; their facts come back in ``Index.facts[name]``.

Facts are looked up in the store first (by the file's bytes, its module name and the consumer's
fingerprint); the rest are computed by the executor, in worker processes when there are enough files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

from ..source import SourceError, decode
from ..transforms.base import SourceInfo
from . import prefilter
from .discover import Workspace
from .executors import Executor
from .items import CachedError, IndexJob, IndexResult
from .passes import parse_python
from .store import MISS, FactsCache, fingerprint


class Indexer(Protocol):
    """What the index phase needs of a consumer (``Transform`` is one)."""

    name: str

    def wants(self, data: bytes) -> bool:
        """Whether the file's bytes may hold anything for this consumer (the prefilter)."""

    def index(self, src: SourceInfo, tree: Any) -> Any:
        """Plain, picklable facts for this file (or None): no AST nodes, no open resources."""


@dataclass
class Index:
    """Every consumer's facts, and the files that could not be indexed."""

    facts: dict[str, dict[str, Any]] = field(default_factory=dict)  # consumer name -> path -> facts
    failed: dict[str, str] = field(default_factory=dict)  # path -> why it could not be indexed, in order
    indexed: int = 0  # files parsed or served from the store
    cache_hits: int = 0


def index_one(job: IndexJob) -> IndexResult:
    """The per-file step (runs in a worker): decode, parse once, every consumer's ``index``."""
    f = job.file
    result = IndexResult(f.path)
    try:
        decoded = decode(f.data)
        tree = parse_python(decoded.text, f.path)
    except SourceError as exc:
        result.error = str(exc)
        return result
    except SyntaxError as exc:
        result.error = f"does not parse: {exc.msg} (line {exc.lineno})"
        return result
    except (ValueError, RecursionError, MemoryError) as exc:
        result.error = f"does not parse: {exc}"
        return result
    src = f.info(decoded.text)
    for t in job.consumers:
        try:
            facts = t.index(src, tree)
        except Exception as exc:  # a bug in a transform must not stop the run
            result.error = f"internal error in {t.name} while indexing: {type(exc).__name__}: {exc}"
            return result
        if facts:
            result.facts[t.name] = facts
    return result


def run(
    ws: Workspace, consumers: Sequence[Any], executor: Executor, store: FactsCache, progress=None
) -> Index:
    """Index every file some consumer wants, then the files the first round's facts refer to."""
    idx = Index(facts={t.name: {} for t in consumers})
    fps = {t.name: fingerprint(t) for t in consumers} if store.directory else {}
    first = prefilter.wanted(ws, consumers)
    for rel in ws.named:  # a file the user named is parsed (and its errors reported) even if no consumer wants it
        first.setdefault(rel, [])
    _round(ws, first, idx, executor, store, fps, progress)
    extra = prefilter.mentions(ws, consumers, idx.facts, first, idx.failed)
    if extra:
        _round(ws, extra, idx, executor, store, fps, progress)
    idx.indexed = len(first) + len(extra)
    idx.cache_hits = store.hits
    store.save()
    return idx


def _round(ws, todo: dict[str, list[Any]], idx: Index, executor: Executor, store: FactsCache, fps, progress) -> None:
    jobs: list[IndexJob] = []
    keys: dict[tuple[str, str], str] = {}
    for rel, ts in sorted(todo.items()):
        f = ws.files[rel]
        missing = []
        for t in ts:
            if not store.directory:
                missing.append(t)
                continue
            keys[rel, t.name] = key = FactsCache.key(f.data, f.module, f.is_package, fps[t.name])
            value = store.get(key)
            if value is MISS:
                missing.append(t)
            elif isinstance(value, CachedError):
                idx.failed.setdefault(rel, value.message)
            elif value:
                idx.facts[t.name][rel] = value
        if (missing or not ts) and rel not in idx.failed:
            jobs.append(IndexJob(f, tuple(missing)))
    for res, job in zip(executor.map(index_one, jobs, phase="index", progress=progress), jobs):
        if store.directory:
            for t in job.consumers:
                store.put(keys[res.path, t.name], CachedError(res.error) if res.error else res.facts.get(t.name))
        if res.error:
            idx.failed.setdefault(res.path, res.error)
            continue
        for name, facts in res.facts.items():
            idx.facts[name][res.path] = facts
