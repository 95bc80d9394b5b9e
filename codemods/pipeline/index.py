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
from typing import Any, Mapping, Protocol, Sequence

from ..source import SourceError, decode
from ..transforms.base import SourceInfo
from . import prefilter
from .discover import Workspace
from .executors import Executor
from .items import CachedError, IndexJob, IndexResult
from .passes import collector_paused, parse_python
from .store import ERROR, FACTS, FactsCache, LazyFacts, fingerprint


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

    facts: dict[str, Mapping[str, Any]] = field(default_factory=dict)  # consumer name -> path -> facts
    failed: dict[str, str] = field(default_factory=dict)  # path -> why it could not be indexed, in order
    indexed: int = 0  # files parsed or served from the store
    cache_hits: int = 0
    fingerprints: dict[str, str] = field(default_factory=dict)  # consumer name -> fingerprint (with a store)


def index_one(job: IndexJob) -> IndexResult:
    """The per-file step (runs in a worker): decode, parse once, every consumer's ``index``."""
    with collector_paused():
        return _index_one(job)


def _index_one(job: IndexJob) -> IndexResult:
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
    """Index every file some consumer wants, then the files the first round's facts refer to.

    With a store, each (file, consumer) pair is looked up by key first, reading only whether the file
    has facts; the facts themselves are read when a consumer's plan is not in the store either
    (:class:`~.store.LazyFacts`)."""
    caching = bool(store.directory)
    fps = {t.name: fingerprint(t) for t in consumers} if caching else {}
    idx = Index(fingerprints=fps)
    for t in consumers:
        idx.facts[t.name] = LazyFacts(store, recompute=_recompute(ws, t))
    first = prefilter.wanted(ws, consumers, store if caching else None, fps)
    for rel in ws.named:  # a file the user named is parsed (and its errors reported) even if no consumer wants it
        first.setdefault(rel, [])
    _round(ws, first, idx, executor, store, fps, progress)
    extra = prefilter.mentions(ws, consumers, idx.facts, first, idx.failed, store if caching else None, fps)
    if extra:
        _round(ws, extra, idx, executor, store, fps, progress)
    idx.indexed = len(first) + len(extra)
    idx.cache_hits = store.hits
    store.save()
    return idx


def _recompute(ws: Workspace, consumer: Any):
    def again(path: str) -> Any:
        return index_one(IndexJob(ws.files[path], (consumer,))).facts.get(consumer.name)

    return again


def _round(ws, todo: dict[str, list[Any]], idx: Index, executor: Executor, store: FactsCache, fps, progress) -> None:
    jobs: list[IndexJob] = []
    keys: dict[tuple[str, str], str] = {}
    flags: dict[str, int] = {}
    messages: dict[str, Any] = {}
    if store.directory:
        for rel, ts in todo.items():
            f = ws.files[rel]
            for t in ts:
                keys[rel, t.name] = FactsCache.facts_key(f.digest, f.module, f.is_package, fps[t.name])
        flags = store.flags("facts", keys.values())
        messages = store.values("facts", [k for k, flag in flags.items() if flag == ERROR])
    for rel, ts in sorted(todo.items()):
        f = ws.files[rel]
        missing = []
        for t in ts:
            if not store.directory:
                missing.append(t)
                continue
            key = keys[rel, t.name]
            flag = flags.get(key)
            if flag == ERROR and not isinstance(messages.get(key), CachedError):
                flag = None  # its message cannot be read: index again
            if flag is None:
                store.misses += 1
                missing.append(t)
                continue
            store.hits += 1
            if flag == ERROR:
                idx.failed.setdefault(rel, messages[key].message)
            elif flag == FACTS:
                idx.facts[t.name].add_pending(rel, key)
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
            idx.facts[name].add(res.path, facts, keys.get((res.path, name), ""))
