"""Reported positions in the coordinates of the file the user has.

Each transform reports positions in the text it was given. When several transforms edit one file, the
second one is given the first one's output, and a settle round the output of all of them: their
changes and skips would point at lines the user's file does not have (a line shifted by an import the
first transform added). ``to_original`` maps them back to the file on disk, so that ``file:line``
in the report, the JSON document and the review's change-to-hunk mapping are right.
"""

from __future__ import annotations

import bisect
import difflib
from dataclasses import replace
from typing import Callable, Iterable, TypeVar

T = TypeVar("T")


def line_map(original: str, current: str) -> Callable[[int], int]:
    """Maps a 1-based line of ``current`` to the line of ``original`` it comes from.

    A line in a stretch both texts share maps to its counterpart; a line in a stretch an edit replaced
    maps to the line at the same offset in the replaced stretch (its last line when the new stretch is
    longer); an inserted line maps to the original line it was inserted before."""
    a, b = original.splitlines(), current.splitlines()
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    starts = [j1 for _, _, _, j1, _ in ops]
    last = max(len(a), 1)

    def mapped(line: int) -> int:
        j = line - 1
        k = bisect.bisect_right(starts, j) - 1
        if k < 0:
            return min(line, last)
        tag, i1, i2, j1, j2 = ops[k]
        if j >= j2:  # past the end of current (or of a deletion at its end)
            return min(i2 + (j - j2) + 1, last)
        if tag == "equal":
            return i1 + (j - j1) + 1
        if i2 == i1:  # inserted before original line i1 + 1
            return min(i1 + 1, last)
        return i1 + min(j - j1, i2 - i1 - 1) + 1

    return mapped


def to_original(items: Iterable[T], original: str, current: str) -> list[T]:
    """``items`` (changes, skips: anything with ``line`` and maybe ``end_line``) reported on ``current``,
    with their lines in ``original``'s coordinates. Columns are kept (a shifted line keeps its columns;
    an edited one is the transform's own edit)."""
    items = list(items)
    if original == current or not items:
        return items
    mapped = line_map(original, current)
    out = []
    for item in items:
        fields = {"line": mapped(item.line)} if item.line > 0 else {}
        end = getattr(item, "end_line", 0)
        if end > 0:
            fields["end_line"] = max(mapped(end), fields.get("line", 0))
        out.append(replace(item, **fields) if fields else item)
    return out


def rebase(ctx, original: str, current: str):
    """A transform's rewrite context whose reports were made on ``current``, reporting in ``original``'s
    coordinates instead (in place; returns ``ctx``)."""
    if original != current:
        for name in ("changes", "skips", "held", "suppressed"):
            setattr(ctx, name, to_original(getattr(ctx, name), original, current))
    return ctx
