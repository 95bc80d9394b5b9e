"""Golden cases of every audit rule: golden/audit/<RULE>/<case>/before/ (a tiny repository) and
expected.findings (each finding, its span and what its fixing transform does with it).

Cases named ``negatives*`` are the look-alikes (``self.sleep``, a local ``open``, ``asyncio.sleep``,
a semaphore, a task stored on the object...): the rule must report nothing there. Every rule has both.
``pytest --update-golden`` rewrites the expected files from the current output.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from codemods.audit import audit, select_rules
from codemods.audit.rules import registry

from .conftest import GOLDEN, make_repo

CASES = sorted(p for p in (GOLDEN / "audit").glob("*/*") if (p / "before").is_dir())


def render(result) -> str:
    lines = []
    for f in sorted(result.findings, key=lambda f: (f.path, f.line, f.col, f.rule)):
        lines.append(f"{f.path}:{f.line}:{f.col}-{f.end_line}:{f.end_col}: {f.rule} [{f.severity}] {f.message}")
        if f.fix is not None:
            state = {True: "fixed", False: "stays", None: "not checked"}[f.fix.available]
            lines.append(f"    {f.fix.transform} ({f.fix.safety}), {state}: {f.fix.note}")
    for f in result.suppressed:
        lines.append(f"suppressed: {f.path}:{f.line}: {f.rule} {f.message}")
    for e in result.errors:
        lines.append(f"error: {e.path}: {e.message}")
    return "".join(line + "\n" for line in lines)


def test_every_rule_has_positive_and_negative_cases():
    for rule_id in registry():
        names = {p.name for p in CASES if p.parent.name == rule_id}
        assert any(n.startswith("positives") for n in names), f"{rule_id}: no positives case"
        assert any(n.startswith("negatives") for n in names), f"{rule_id}: no negatives case"


@pytest.mark.parametrize("case", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_audit_golden(case: Path, tmp_path: Path, update_golden: bool):
    rule_id = case.parent.name
    assert rule_id in registry(), f"golden/audit/{rule_id}: no rule with that id"
    repo = make_repo(tmp_path / "repo", source=case / "before")
    result = audit([str(repo)], select_rules([rule_id]), root=str(repo), jobs=1)
    report = render(result)
    expected_file = case / "expected.findings"
    if update_golden:
        expected_file.write_text(report, encoding="utf-8", newline="\n")
    assert expected_file.exists(), f"{expected_file} missing (run pytest --update-golden)"
    assert report == expected_file.read_text(encoding="utf-8")
    if case.name.startswith("negatives"):
        assert not result.findings, report
    else:
        assert result.findings and all(f.rule == rule_id for f in result.findings)
