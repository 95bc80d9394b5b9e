"""`--format json`: one document per run, versioned; its JSON Schema is
``codemods/schemas/apply.schema.json`` (the tests validate every document they produce against it).

Version 2 (this one) adds to version 1: ``tool``, ``mode``, end positions everywhere, the hunks of each
file and, on each change, the indices of the hunks that hold it; ``line`` and ``transform`` on errors;
``patch`` (where a patch was written); per-transform counts in ``summary``. Nothing of version 1 was
removed or changed in meaning, except ``version``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from .. import __version__
from ..changeset import Changeset, FileChange
from ..model import UNSAFE

VERSION = 2


def document(cs: Changeset, *, mode: str, written: list[FileChange], patch_file: str | None) -> dict[str, Any]:
    doc = cs.to_json()
    written_paths = {f.path for f in written}
    files, changes = [], []
    for fc in sorted(cs.files, key=lambda f: f.path):
        hunks = fc.hunks()
        texts = fc.hunk_texts()
        where = fc.change_hunks(hunks)
        files.append({
            "path": fc.path,
            "changes": len(fc.changes),
            "encoding": fc.source.encoding,
            "written": fc.path in written_paths,
            "diff": fc.diff(),
            "hunks": [
                {"old_start": h.old_start + 1 if h.old_len else h.old_start, "old_lines": h.old_len,
                 "new_start": h.new_start + 1 if h.new_len else h.new_start, "new_lines": h.new_len, "diff": text}
                for h, text in zip(hunks, texts)
            ],
        })
        for c in fc.changes:
            changes.append({**c.to_json(), "hunks": where.get(c, [])})
    doc.update({
        "version": VERSION,
        "tool": {"name": "codemod", "version": __version__},
        "mode": mode,
        "files": files,
        "changes": sorted(changes, key=lambda c: (c["path"], c["line"], c["col"], c["transform"], c["message"])),
        "errors": [
            {"path": e.path, "line": e.line or None, "transform": e.transform or None, "message": e.message,
             "kind": e.kind}
            for e in sorted(cs.errors)
        ],
        "written": sorted(written_paths),
        "patch": patch_file,
    })
    per: dict[str, dict[str, int]] = {
        t: {"rewrites": 0, "unsafe": 0, "held_back": 0, "suppressed": 0, "skips": 0} for t in cs.transforms
    }
    for key, items in (("rewrites", cs.changes), ("held_back", cs.held), ("suppressed", cs.suppressed), ("skips", cs.skips)):
        for t, n in Counter(x.transform for x in items).items():
            per.setdefault(t, {"rewrites": 0, "unsafe": 0, "held_back": 0, "suppressed": 0, "skips": 0})[key] = n
    for t, n in Counter(c.transform for c in cs.changes if c.safety == UNSAFE).items():
        per[t]["unsafe"] = n
    doc["summary"] = {**doc["summary"], "files_checked": int(cs.stats.get("files", 0)),
                      "files_written": len(written_paths), "per_transform": per}
    return doc
