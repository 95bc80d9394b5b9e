"""``--format json``: one document with every finding, the suppressed ones, a summary and the rules."""

from __future__ import annotations

import json

from ... import __version__
from ...model import SEVERITIES
from ..run import AuditResult
from . import Options


def document(result: AuditResult, opts: Options) -> dict:
    return {
        "version": 1,
        "tool": {"name": "codemod audit", "version": __version__},
        "root": result.root,
        "findings": [f.to_json() for f in result.findings],
        "suppressed": [f.to_json() for f in result.suppressed],
        "baselined": len(result.baselined),
        "summary": {
            "findings": len(result.findings),
            "by_severity": {s: result.counts()[s] for s in SEVERITIES},
            "by_rule": {r.id: sum(1 for f in result.findings if f.rule == r.id) for r in result.rules},
            "suppressed": len(result.suppressed),
            "baselined": len(result.baselined),
            "fixable": sum(1 for f in result.findings if f.fix is not None and f.fix.available),
            "files": int(result.stats.get("files", 0)),
        },
        "errors": [{"path": e.path, "message": e.message, "kind": e.kind} for e in result.errors],
        "rules": [
            {"id": r.id, "name": r.name, "severity": r.severity, "summary": r.summary, "fixed_by": r.fixed_by or None}
            for r in result.rules
        ],
    }


def render(result: AuditResult, opts: Options) -> str:
    return json.dumps(document(result, opts), indent=2) + "\n"
