"""``--format sarif``: SARIF 2.1.0, as GitHub code scanning loads it (``github/codeql-action/upload-sarif``).

One run; the driver lists every selected rule with its documentation; each result has a physical
location relative to ``%SRCROOT%`` (the repository root), the enclosing function as a logical
location, ``partialFingerprints`` from the finding's fingerprint (stable across edits elsewhere in the
file, so code scanning tracks an alert as lines move), and ``fixes`` where the fixing transform rewrites
it (the replacement lines of its dry run). Suppressed findings are included with an ``inSource``
suppression; with a baseline, results carry ``baselineState``. Validated against the official schema
in the tests (``tests/data/sarif/``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from ... import __version__
from ...model import CRITICAL, HIGH, MEDIUM, Finding
from ..run import AuditResult
from . import Options
from ._common import fix_text

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"

_LEVELS = {CRITICAL: "error", HIGH: "error", MEDIUM: "warning"}
_RANK = {CRITICAL: 95.0, HIGH: 75.0, MEDIUM: 40.0}


def _pascal(name: str) -> str:
    return "".join(part.capitalize() for part in re.split(r"[-_ ]", name) if part)


def _region(line: int, col: int, end_line: int, end_col: int) -> dict:
    region = {"startLine": line, "startColumn": col}
    if end_line and (end_line, end_col) >= (line, col):
        region["endLine"] = end_line
        region["endColumn"] = max(end_col, 1)
    return region


def _artifact(path: str) -> dict:
    return {"uri": path, "uriBaseId": "%SRCROOT%"}


def _result(f: Finding, rule_index: dict[str, int], suppressed: bool, baseline_state: str | None) -> dict:
    location = {
        "physicalLocation": {"artifactLocation": _artifact(f.path), "region": _region(f.line, f.col, f.end_line, f.end_col)},
    }
    if f.function:
        location["logicalLocations"] = [{"fullyQualifiedName": f.function, "kind": "function"}]
    res: dict = {
        "ruleId": f.rule,
        "ruleIndex": rule_index[f.rule],
        "level": _LEVELS[f.severity],
        "message": {"text": f"{f.message}. Impact: {f.impact}. Fix: {fix_text(f)}."},
        "locations": [location],
        "partialFingerprints": {"codemodFingerprint/v1": f.fingerprint},
        "properties": {"severity": f.severity, "function": f.function},
    }
    if f.fix is not None:
        res["properties"]["fix"] = f.fix.to_json()
        if f.fix.available and f.fix.edits:
            res["fixes"] = [{
                "description": {"text": f"{f.fix.transform} ({f.fix.safety}): {f.fix.note}"},
                "artifactChanges": [{
                    "artifactLocation": _artifact(f.path),
                    "replacements": [
                        {"deletedRegion": _edit_region(line, col, end_line, end_col), "insertedContent": {"text": text}}
                        for line, col, end_line, end_col, text in f.fix.edits
                    ],
                }],
            }]
    if suppressed:
        res["suppressions"] = [{"kind": "inSource", "justification": "# codemod: ignore"}]
    if baseline_state:
        res["baselineState"] = baseline_state
    return res


def _edit_region(line: int, col: int, end_line: int, end_col: int) -> dict:
    # whole lines: from the start of `line` up to the start of `end_line` (an empty region inserts)
    return {"startLine": line, "startColumn": col, "endLine": end_line, "endColumn": end_col}


def document(result: AuditResult, opts: Options) -> dict:
    rules = result.rules
    rule_index = {r.id: i for i, r in enumerate(rules)}
    driver = {
        "name": "codemod audit",

        "version": __version__,
        "semanticVersion": __version__,
        "rules": [
            {
                "id": r.id,
                "name": _pascal(r.name),
                "shortDescription": {"text": r.summary},
                "fullDescription": {"text": r.doc.split("\n\n", 2)[1] if r.doc.count("\n\n") >= 1 else r.summary},
                "help": {"text": r.doc, "markdown": r.doc},
                "defaultConfiguration": {"level": _LEVELS[r.severity], "rank": _RANK[r.severity]},
                "properties": {
                    "severity": r.severity, "precision": "high", "problem.severity": "error" if r.severity != MEDIUM else "warning",
                    "tags": ["async", "asyncio", r.severity], "fixed_by": r.fixed_by or None,
                },
            }
            for r in rules
        ],
    }
    state = "new" if opts.baseline else None
    results = [_result(f, rule_index, False, state) for f in result.findings]
    results += [_result(f, rule_index, False, "unchanged") for f in result.baselined]
    results += [_result(f, rule_index, True, None) for f in result.suppressed]
    root_uri = Path(result.root).resolve().as_uri().rstrip("/") + "/"
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": driver},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri}},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "invocations": [{
                "executionSuccessful": not any(e.kind == "internal" for e in result.errors),
                "toolExecutionNotifications": [
                    {"level": "error", "message": {"text": e.message}, "locations": [{"physicalLocation": {"artifactLocation": _artifact(e.path)}}]}
                    for e in result.errors
                ],
            }],
        }],
    }


def render(result: AuditResult, opts: Options) -> str:
    return json.dumps(document(result, opts), indent=2) + "\n"
