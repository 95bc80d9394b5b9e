"""`codemod audit`: the formats (SARIF validated against the official schema), suppressions, baselines,
fingerprints, --select/--ignore/--fail-on, and the command on real temporary git repositories."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from codemods.audit import audit, select_rules
from codemods.audit.formats import Options, renderers
from codemods.audit.rules import check_file, registry
from codemods.transforms.base import SourceInfo

from .conftest import ROOT, git, make_repo

SCHEMA = json.loads((ROOT / "tests" / "data" / "sarif" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))

SERVICE = '''\
import asyncio
import time


class Cache:
    def __init__(self, observer):
        self._lock = asyncio.Lock()
        self._observer = observer

    async def insert(self, key):
        async with self._lock:
            self.key = key
            await self._observer.on_insert(key)

    async def refresh(self):
        time.sleep(0.1)
        await asyncio.sleep(0)


async def encode(value):
    return str(value)


async def main():
    await Cache(None).refresh()
    await encode(1)
'''


def cli(cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "codemods", "audit", "--no-cache", *args], cwd=cwd, capture_output=True, text=True,
    )


def findings_of(text: str, path: str = "mod.py"):
    return check_file(SourceInfo(path, "mod", False, text), ast.parse(text))


@pytest.fixture
def service(tmp_path):
    return make_repo(tmp_path / "svc", {"svc/cache.py": SERVICE, "svc/__init__.py": ""})


def test_rule_ids_are_the_promised_ones():
    reg = registry()
    assert {"CM101", "CM203", "CM301", "CM302", "CM303"} <= set(reg)
    assert reg["CM101"].severity == "critical" and reg["CM101"].fixed_by == "lock-await"
    assert reg["CM203"].severity == "high" and reg["CM203"].fixed_by == "task-guard"
    assert [reg[i].fixed_by for i in ("CM301", "CM302", "CM303")] == ["await-free", "match-hoist", "delegate-elide"]
    for r in reg.values():
        for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix"):
            assert heading in r.doc, f"{r.id}: its documentation lacks {heading!r}"


def test_sarif_validates_against_the_official_schema(service):
    result = audit([str(service)], root=str(service), jobs=1)
    doc = json.loads(renderers()["sarif"](result, Options()))
    jsonschema.Draft7Validator(SCHEMA).validate(doc)
    run = doc["runs"][0]
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == sorted(registry())
    by_rule = {r["ruleId"]: r for r in run["results"]}
    lock = by_rule["CM101"]
    assert lock["level"] == "error"
    assert lock["locations"][0]["physicalLocation"]["artifactLocation"] == {"uri": "svc/cache.py", "uriBaseId": "%SRCROOT%"}
    assert lock["locations"][0]["physicalLocation"]["region"]["startLine"] == 13
    assert lock["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "Cache.insert"
    assert lock["partialFingerprints"]["codemodFingerprint/v1"]
    # the fix lock-await makes, attached: applying its replacements gives the transform's output
    (fix,) = lock["fixes"]
    change = fix["artifactChanges"][0]
    lines = SERVICE.splitlines(keepends=True)
    for rep in sorted(change["replacements"], key=lambda r: -r["deletedRegion"]["startLine"]):
        region = rep["deletedRegion"]
        lines[region["startLine"] - 1 : region["endLine"] - 1] = [rep["insertedContent"]["text"]]
    fixed = "".join(lines)
    assert "            self.key = key\n        await self._observer.on_insert(key)\n" in fixed
    compile(fixed, "cache.py", "exec")
    sleep_fix = by_rule["CM201"]["fixes"][0]["artifactChanges"][0]["replacements"]
    assert any("await asyncio.sleep(0.1)" in r["insertedContent"]["text"] for r in sleep_fix)
    assert any(r["insertedContent"]["text"] == "" and r["deletedRegion"]["startLine"] == 2 for r in sleep_fix)  # `import time`


def test_sarif_marks_suppressed_findings_and_still_validates(tmp_path):
    repo = make_repo(tmp_path / "r", {"m.py": "import time\nasync def f():\n    time.sleep(1)  # codemod: ignore[CM201]\n"})
    result = audit([str(repo)], select_rules(["CM201"]), root=str(repo), jobs=1)
    assert not result.findings and len(result.suppressed) == 1
    doc = json.loads(renderers()["sarif"](result, Options()))
    jsonschema.Draft7Validator(SCHEMA).validate(doc)
    assert doc["runs"][0]["results"][0]["suppressions"] == [{"kind": "inSource", "justification": "# codemod: ignore"}]


def test_suppression_by_rule_id_name_transform_or_bare():
    src = "import time\nasync def f():\n    time.sleep(1)  # codemod: ignore{}\n"
    for mark in ("[CM201]", "[blocking-call]", "[blocking-offload]", "", "[cm201, CM101]"):
        from codemods.audit.run import RuleIndexer

        text = src.format(mark)
        facts = RuleIndexer(["CM201"]).index(SourceInfo("m.py", "m", False, text), ast.parse(text))
        assert facts is not None and not facts.findings and len(facts.suppressed) == 1, mark
    other = src.format("[CM101]")
    facts = RuleIndexer(["CM201"]).index(SourceInfo("m.py", "m", False, other), ast.parse(other))
    assert len(facts.findings) == 1


def test_fingerprint_survives_edits_elsewhere_in_the_file():
    before = findings_of(SERVICE)
    edited = SERVICE.replace("import time\n", "import time\n\n\nCONSTANT = 1  # a new line above everything\n")
    edited = edited.replace("    async def refresh(self):", "    def other(self):\n        return 2\n\n    async def refresh(self):")
    after = findings_of(edited)
    assert [f.line for f in after] != [f.line for f in before]
    assert {f.fingerprint for f in after} == {f.fingerprint for f in before}
    # the same statement in another function is another finding
    moved = SERVICE.replace("    async def refresh(self):", "    async def reload(self):")
    assert {f.fingerprint for f in findings_of(moved)} != {f.fingerprint for f in before}


def test_identical_statements_get_distinct_fingerprints():
    found = [f for f in findings_of("import time\nasync def f():\n    time.sleep(1)\n    time.sleep(1)\n") if f.rule == "CM201"]
    assert len(found) == 2 and len({f.fingerprint for f in found}) == 2


def test_select_and_ignore_by_id_prefix_name_and_severity():
    ids = lambda rules: [r.id for r in rules]  # noqa: E731
    assert ids(select_rules(["CM1"])) == ["CM101"]
    assert ids(select_rules(["high"], ["CM2"])) == []
    assert ids(select_rules(["await-under-lock", "medium"], ["CM303"])) == ["CM101", "CM301", "CM302", "CM304"]
    with pytest.raises(ValueError):
        select_rules(["CM999"])


def test_text_report_groups_by_severity_and_colours_only_when_asked(service):
    result = audit([str(service)], root=str(service), jobs=1)
    plain = renderers()["text"](result, Options())
    assert "\x1b[" not in plain
    assert plain.index("Critical (1)") < plain.index("High (1)") < plain.index("Medium (1)")
    assert "Found 3 findings (1 critical, 1 high, 1 medium) in 1 file" in plain
    assert "\x1b[" in renderers()["text"](result, Options(color=True))


def test_github_annotations_escape_their_values(tmp_path):
    repo = make_repo(tmp_path / "r", {"a,b:c.py": "import time\nasync def f():\n    time.sleep(1)\n"})
    result = audit([str(repo)], root=str(repo), jobs=1, check_fixes=False)
    first = renderers()["github"](result, Options()).splitlines()[0]
    assert first.startswith("::error file=a%2Cb%3Ac.py,line=3,col=5,endLine=3,endColumn=18,title=CM201 blocking-call::")
    assert "%0AImpact: " in first and "\n" not in first


def test_json_document(service):
    result = audit([str(service)], root=str(service), jobs=1)
    doc = json.loads(renderers()["json"](result, Options()))
    assert doc["summary"]["by_severity"] == {"critical": 1, "high": 1, "medium": 1}
    assert {f["rule"] for f in doc["findings"]} == {"CM101", "CM201", "CM301"}
    fix = next(f["fix"] for f in doc["findings"] if f["rule"] == "CM301")
    # a public name: code outside the repository may await it, so its fix is unsafe
    assert fix == {"transform": "await-free", "safety": "unsafe", "available": True, "note": fix["note"], "why": fix["why"]}
    assert "code outside this repository may await it" in fix["why"]


def test_markdown_report_of_the_example_reads_like_the_seed_audit():
    out = subprocess.run(
        [sys.executable, "-m", "codemods", "audit", "--no-cache", "--format", "markdown", "examples/"],
        cwd=ROOT, capture_output=True, text=True,
    )
    assert out.returncode == 1, out.stderr
    md = out.stdout
    for heading in ("## Audit rubric", "Each module was reviewed for:", "## Findings (prioritized)", "### Critical",
                    "### High", "### Medium", "## Summary", "| severity | rule | findings |"):
        assert heading in md, heading
    assert md.index("### Critical") < md.index("### High") < md.index("### Medium") < md.index("## Summary")
    critical = md[md.index("### Critical"):md.index("### High")]
    assert "- File: `examples/service/cache.py:" in critical and "- Impact: " in critical
    assert "- Fix: `codemod apply --transform lock-await`, unsafe" in critical


def test_cli_exit_codes_fail_on_and_select(service):
    out = cli(service, "svc")
    assert out.returncode == 1, out.stderr
    assert "Critical (1)" in out.stdout
    assert cli(service, "svc", "--no-fixes", "--fail-on", "critical", "--ignore", "CM101").returncode == 0
    assert cli(service, "svc", "--no-fixes", "--fail-on", "high", "--select", "medium").returncode == 0
    assert cli(service, "svc", "--no-fixes", "--fail-on", "high", "--select", "CM2").returncode == 1
    bad = cli(service, "--select", "CM999")
    assert bad.returncode == 2 and "no audit rule" in bad.stderr


def test_cli_counts_and_lists_suppressions(tmp_path):
    repo = make_repo(tmp_path / "r", {"m.py": (
        "import time\nasync def f():\n    time.sleep(1)  # codemod: ignore[CM201]\n    time.sleep(2)\n"
    )})
    out = cli(repo, "--select", "CM201", "--no-fixes")
    assert out.returncode == 1
    assert "1 suppressed (--show-suppressed lists them)" in out.stdout
    shown = cli(repo, "--show-suppressed", "--select", "CM201", "--no-fixes")
    assert "Suppressed (1)" in shown.stdout and "m.py:3:5: CM201" in shown.stdout


def test_cli_baseline_records_then_reports_only_new_findings(service):
    baseline = service / "audit-baseline.json"
    first = cli(service, "svc", "--baseline", str(baseline))
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Recorded 3 findings" in first.stderr
    assert len(json.loads(baseline.read_text())["findings"]) == 3
    # lines move (an edit elsewhere): nothing new
    path = service / "svc" / "cache.py"
    path.write_text("# a header comment\n\n" + path.read_text())
    again = cli(service, "svc", "--baseline", str(baseline))
    assert again.returncode == 0, again.stdout
    assert "3 in the baseline" in again.stdout
    # a new hazard is reported, and fails the run
    path.write_text(path.read_text() + "\n\nasync def nap():\n    time.sleep(1)\n")
    new = cli(service, "svc", "--baseline", str(baseline))
    assert new.returncode == 1
    assert "`time.sleep()` in `async def nap`" in new.stdout
    assert "Found 1 finding " in new.stdout and "3 in the baseline" in new.stdout
    updated = cli(service, "svc", "--baseline", str(baseline), "--update-baseline")
    assert updated.returncode == 0 and "Recorded" in updated.stderr
    assert cli(service, "svc", "--baseline", str(baseline)).returncode == 0


def test_cli_reports_unparsable_files_and_goes_on(tmp_path):
    repo = make_repo(tmp_path / "r", {"bad.py": "async def (:\n", "ok.py": "import time\nasync def f():\n    time.sleep(1)\n"})
    out = cli(repo, "--format", "json", "--select", "CM201")
    assert out.returncode == 2
    doc = json.loads(out.stdout)
    assert doc["summary"]["findings"] == 1 and doc["errors"][0]["path"] == "bad.py"
    assert "bad.py: error: does not parse" in out.stderr


def test_cli_explain_and_rules():
    out = subprocess.run([sys.executable, "-m", "codemods", "audit", "--explain", "cm101"], capture_output=True, text=True)
    assert out.returncode == 0 and out.stdout.startswith("# CM101 await-under-lock (critical)")
    listed = subprocess.run([sys.executable, "-m", "codemods", "audit", "--rules"], capture_output=True, text=True)
    assert [line.split()[0] for line in listed.stdout.splitlines()] == sorted(registry())


def test_sarif_output_file_and_git_repo_paths(service):
    out = cli(service, "svc", "--format", "sarif", "-o", "audit.sarif")
    assert out.returncode == 1 and out.stdout == ""
    doc = json.loads((service / "audit.sarif").read_text())
    jsonschema.Draft7Validator(SCHEMA).validate(doc)
    git(service, "status", "--short")


def test_a_warm_audit_reuses_the_fix_checks_of_unchanged_files(service, tmp_path):
    cache = str(tmp_path / "cache")
    cold = audit([str(service)], root=str(service), cache_dir=cache, jobs=1)
    assert cold.stats["fixes_checked_files"] >= 1 and cold.stats.get("fixes_reused", 0) == 0
    warm = audit([str(service)], root=str(service), cache_dir=cache, jobs=1)
    assert warm.findings == cold.findings
    assert warm.stats["fixes_reused"] == warm.stats["fixes_checked_files"] == cold.stats["fixes_checked_files"]
    path = service / "svc" / "cache.py"
    path.write_text(path.read_text() + "\n\nasync def later():\n    return 1\n\n\nasync def run_later():\n    await later()\n")
    edited = audit([str(service)], root=str(service), cache_dir=cache, jobs=1)
    assert edited.stats.get("fixes_reused", 0) < edited.stats["fixes_checked_files"]
    assert any(f.function == "later" for f in edited.findings)


def test_cli_defaults_from_tool_codemod_audit_and_the_command_line_wins(service):
    (service / "pyproject.toml").write_text(
        '[tool.codemod.audit]\nselect = ["CM2"]\nfail-on = "critical"\nformat = "json"\nbaseline = "audit-baseline.json"\n'
    )
    first = cli(service, "svc", "--no-fixes")  # records the baseline the table names, at the project root
    assert first.returncode == 0, first.stderr
    recorded = json.loads((service / "audit-baseline.json").read_text())["findings"]
    assert recorded and {f["rule"] for f in recorded} <= {"CM201", "CM202", "CM203", "CM204", "CM205"}
    assert json.loads(first.stdout)["findings"] == []
    (service / "audit-baseline.json").unlink()
    (service / "pyproject.toml").write_text('[tool.codemod.audit]\nselect = ["CM2"]\nfail-on = "critical"\n')
    assert cli(service, "svc", "--no-fixes").returncode == 0  # CM2xx are high: below fail-on
    assert cli(service, "svc", "--no-fixes", "--fail-on", "high").returncode == 1
    out = cli(service, "svc", "--no-fixes", "--select", "CM101", "--fail-on", "critical")
    assert out.returncode == 1 and "CM101" in out.stdout and "CM201" not in out.stdout


def test_cli_audit_table_errors_are_usage_errors(service):
    (service / "pyproject.toml").write_text('[tool.codemod.audit]\nfail_on = "high"\n')
    out = cli(service, "svc")
    assert out.returncode == 2 and "unknown key 'fail_on'" in out.stderr and "fail-on" in out.stderr
    (service / "pyproject.toml").write_text('[tool.codemod.audit]\nfail-on = "low"\n')
    out = cli(service, "svc")
    assert out.returncode == 2 and "fail-on must be one of critical, high, medium" in out.stderr


def test_cli_audit_outside_a_project_keeps_its_cache_out_of_the_folder(tmp_path):
    folder = tmp_path / "loose"
    folder.mkdir()
    (folder / "m.py").write_text("import time\nasync def f():\n    time.sleep(1)\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    out = subprocess.run([sys.executable, "-m", "codemods", "audit", "m.py"], cwd=folder, capture_output=True, text=True, env=env)
    assert out.returncode == 1 and "CM201" in out.stdout, out.stderr
    assert sorted(p.name for p in folder.iterdir()) == ["m.py"]
    assert any((tmp_path / "xdg" / "codemod").iterdir())
