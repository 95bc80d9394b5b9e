"""Phase 2, prefilter: which consumers want which file, from its bytes alone.

Each transform names the bytes without which it cannot fire (``Transform.prefilter``); a file none of
them finds is never parsed. A cross-file transform looks at every file read; any other consumer only
at the files the user asked to process. A second round (:func:`mentions`) adds files that mention a
name another file's facts made interesting (``asyncio.run(main())`` in a file with no ``async def``).
"""

from __future__ import annotations

import re
from typing import Any, Callable, Iterable, Sequence

from .discover import Workspace


def wanted(ws: Workspace, consumers: Sequence[Any]) -> dict[str, list[Any]]:
    """Path → the consumers whose prefilter the file passes (only paths with at least one)."""
    out: dict[str, list[Any]] = {}
    for rel, f in ws.files.items():
        ts = [t for t in consumers if (getattr(t, "cross_file", False) or ws.editable_by(t, rel)) and t.wants(f.data)]
        if ts:
            out[rel] = ts
    return out


def mentions(
    ws: Workspace, transforms: Sequence[Any], facts: dict[str, dict[str, Any]], first: dict[str, list[Any]],
    failed: Iterable[str],
) -> dict[str, list[Any]]:
    """The second round: files not yet indexed for a transform that mention one of its ``reference_names``."""
    failed = set(failed)
    extra: dict[str, list[Any]] = {}
    for t in transforms:
        reference_names = getattr(t, "reference_names", None)
        if reference_names is None:
            continue
        match = word_matcher(reference_names(facts.get(t.name, {})))
        if match is None:
            continue
        cross = getattr(t, "cross_file", False)
        for rel, f in ws.files.items():
            if rel in failed or t in first.get(rel, ()) or (not cross and not ws.editable_by(t, rel)):
                continue
            if match(f.data):
                extra.setdefault(rel, []).append(t)
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
