"""Phase 2, prefilter: which consumers want which file, from its bytes alone.

Each transform names the bytes without which it cannot fire (``Transform.prefilter``); a file none of
them finds is never parsed. A cross-file transform looks at every file read; any other consumer only
at the files the user asked to process. A second round (:func:`mentions`) adds files that mention a
name another file's facts made interesting (``asyncio.run(main())`` in a file with no ``async def``).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Mapping, Sequence

from .discover import Workspace


def wanted(
    ws: Workspace, consumers: Sequence[Any], store: Any = None, fingerprints: Mapping[str, str] | None = None,
) -> dict[str, list[Any]]:
    """Path → the consumers whose prefilter the file passes (only paths with at least one). With a
    ``store``, each consumer's verdict on a file's contents is remembered (a warm run scans nothing)."""
    from .store import digest

    seen: dict[str, dict[str, bool]] = {}
    keys: dict[str, str] = {}
    grew: set[str] = set()
    if store is not None and fingerprints:
        for t in consumers:
            keys[t.name] = digest("wants", fingerprints[t.name])
            found = store.lookup("wants", keys[t.name])
            seen[t.name] = found if isinstance(found, dict) else {}
    out: dict[str, list[Any]] = {}
    for rel, f in ws.files.items():
        ts = []
        for t in consumers:
            if not (getattr(t, "cross_file", False) or ws.editable_by(t, rel)):
                continue
            verdicts = seen.get(t.name)
            if verdicts is None:
                hit = t.wants(f.data)
            else:
                hit = verdicts.get(f.digest)
                if hit is None:
                    hit = verdicts[f.digest] = t.wants(f.data)
                    grew.add(t.name)
            if hit:
                ts.append(t)
        if ts:
            out[rel] = ts
    for name in grew:
        verdicts = seen[name]
        if len(verdicts) > 2 * len(ws.files):  # contents no longer present: keep this run's
            current = {f.digest for f in ws.files.values()}
            verdicts = {d: hit for d, hit in verdicts.items() if d in current}
        store.store("wants", keys[name], verdicts)
    return out


def mentions(
    ws: Workspace, transforms: Sequence[Any], facts: Mapping[str, Mapping[str, Any]], first: dict[str, list[Any]],
    failed: Iterable[str], store: Any = None, fingerprints: Mapping[str, str] | None = None,
) -> dict[str, list[Any]]:
    """The second round: files not yet indexed for a transform that mention one of its ``reference_names``.

    With a ``store``, a transform's names for the same facts, and whether a file's contents mention
    them, come from the store (a warm run reads no facts and scans no file for them)."""
    from .store import MISS, digest

    failed = set(failed)
    extra: dict[str, list[Any]] = {}
    for t in transforms:
        reference_names = getattr(t, "reference_names", None)
        if reference_names is None:
            continue
        its_facts = facts.get(t.name, {})
        identity = getattr(its_facts, "digest", lambda: None)() if store is not None else None
        names: Any = MISS
        if identity is not None:
            refs_key = digest(fingerprints[t.name], identity)
            names = store.lookup("refs", refs_key)
        if names is MISS:
            names = set(reference_names(its_facts))
            if identity is not None:
                store.store("refs", refs_key, names)
        match = word_matcher(names)
        if match is None:
            continue
        seen: dict[str, bool] = {}
        if store is not None:
            mentions_key = digest(fingerprints[t.name], sorted(names))
            found = store.lookup("mentions", mentions_key)
            seen = found if isinstance(found, dict) else {}
        grew = False
        cross = getattr(t, "cross_file", False)
        for rel, f in ws.files.items():
            if rel in failed or t in first.get(rel, ()) or (not cross and not ws.editable_by(t, rel)):
                continue
            hit = seen.get(f.digest)
            if hit is None:
                hit = seen[f.digest] = match(f.data)
                grew = True
            if hit:
                extra.setdefault(rel, []).append(t)
        if store is not None and grew:
            if len(seen) > 2 * len(ws.files):  # contents no longer present: keep this run's
                current = {f.digest for f in ws.files.values()}
                seen = {d: hit for d, hit in seen.items() if d in current}
            store.store("mentions", mentions_key, seen)
    return extra


_IDENTIFIER = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_MANY_NAMES = 64  # past this, tokenising a file once beats one big alternation


def word_matcher(names: Iterable[bytes]) -> Callable[[bytes], bool] | None:
    """A test for any of ``names`` as a whole word (``main`` is not found in ``domain``).

    Over-inclusive by design: a non-ASCII letter next to a name counts as a word boundary. With many
    names, each file's identifiers are collected once and intersected (cost independent of the count).
    """
    names = set(names)
    if not names:
        return None
    words = {n for n in names if _IDENTIFIER.fullmatch(n)}
    others = sorted(names - words, key=len, reverse=True)
    if len(words) <= _MANY_NAMES:
        pattern = re.compile(rb"(?<![A-Za-z0-9_])(?:" + b"|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + rb")(?![A-Za-z0-9_])")
        return lambda data: pattern.search(data) is not None
    frozen = frozenset(words)

    def many(data: bytes) -> bool:
        if any(o in data for o in others):
            return True
        return not frozen.isdisjoint(_IDENTIFIER.findall(data))

    return many
