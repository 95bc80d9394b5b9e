"""Baselines: record today's findings, later runs report (and fail on) only new ones.

A finding's identity is its fingerprint (:class:`~codemods.model.Finding`): rule, path, enclosing
function and a hash of the normalised statement, with its rank among identical ones; never the line
number, so a baseline does not rot when lines move. The file is JSON, sorted, one entry per finding, so
that it diffs well in review::

    {"version": 1, "tool": "codemod audit", "findings": [
      {"fingerprint": "…:1", "rule": "CM101", "path": "svc/cache.py", "function": "Cache.insert",
       "message": "…"}]}
"""

from __future__ import annotations

import json
import os
from typing import Iterable

from ..model import Finding
from ..source import write_atomic

VERSION = 1


class BaselineError(Exception):
    pass


def load(path: str) -> set[str]:
    """The fingerprints a baseline file records."""
    try:
        with open(path, encoding="utf-8") as fh:
            doc = json.load(fh)
    except json.JSONDecodeError as exc:
        raise BaselineError(f"{path}: not a baseline file (invalid JSON: {exc.msg} at line {exc.lineno})") from None
    except OSError as exc:
        raise BaselineError(f"{path}: cannot be read: {exc.strerror or exc}") from None
    if not isinstance(doc, dict) or doc.get("version") != VERSION or not isinstance(doc.get("findings"), list):
        raise BaselineError(f"{path}: not a codemod audit baseline (version {VERSION})")
    return {str(e.get("fingerprint")) for e in doc["findings"] if isinstance(e, dict)}


def save(path: str, findings: Iterable[Finding]) -> int:
    entries = sorted(
        (
            {"fingerprint": f.fingerprint, "rule": f.rule, "path": f.path, "function": f.function, "message": f.message}
            for f in findings
        ),
        key=lambda e: (e["path"], e["rule"], e["function"], e["fingerprint"]),
    )
    text = json.dumps({"version": VERSION, "tool": "codemod audit", "findings": entries}, indent=2) + "\n"
    if os.path.exists(path):
        write_atomic(path, text.encode("utf-8"))
    else:
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    return len(entries)


def split(findings: list[Finding], known: set[str]) -> tuple[list[Finding], list[Finding]]:
    """(new findings, findings the baseline already records)."""
    new = [f for f in findings if f.fingerprint not in known]
    old = [f for f in findings if f.fingerprint in known]
    return new, old


__all__ = ["BaselineError", "load", "save", "split"]
