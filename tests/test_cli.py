"""The real `codemod` command on real temporary git repositories."""

from __future__ import annotations

import json
import os
import subprocess
import sys


from .conftest import ROOT, git

SCHEMA = json.loads((ROOT / "codemods/schemas/apply.schema.json").read_text())


def validate(doc: dict) -> None:
    """A `--format json` document against the published JSON Schema."""
    import jsonschema

    jsonschema.validate(doc, SCHEMA, cls=jsonschema.Draft202012Validator)

SERVICE = '''import asyncio


async def _load_config():
    return {"retries": 3}


async def main():
    config = await _load_config()
    print(config["retries"])


if __name__ == "__main__":
    asyncio.run(main())
'''

SERVICE_AFTER = SERVICE.replace("async def _load_config", "def _load_config").replace(
    "await _load_config()", "_load_config()"
)


def codemod(cwd, *args, input=None, env=None, text=True):
    """The real command, as a user runs it (no terminal: stdout and stderr are pipes)."""
    environ = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    environ.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "codemods", *args], cwd=cwd, capture_output=True, text=text, input=input, env=environ
    )


def test_list_and_explain():
    out = codemod(".", "list")
    assert out.returncode == 0
    names = [line.split()[0] for line in out.stdout.splitlines()]
    assert {"await-free", "lock-await", "task-guard", "match-hoist"} <= set(names)
    doc = codemod(".", "explain", "await-free")
    assert doc.returncode == 0
    for heading in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety"):
        assert heading in doc.stdout
    bad = codemod(".", "explain", "no-such")
    assert bad.returncode == 2 and "no transform named 'no-such'" in bad.stderr
    listed = json.loads(codemod(".", "list", "--format", "json").stdout)
    assert {d["name"] for d in listed} == set(names)


def test_every_transform_doc_has_the_rule_doc_shape():
    from codemods.transforms import registry

    for name, cls in registry().items():
        doc = cls.doc()
        positions = [doc.find(h) for h in ("## What it does", "## Why is this bad?", "## Example", "## Fix safety")]
        assert -1 not in positions and positions == sorted(positions), name
        assert cls.summary and "\n" not in cls.summary, name


def test_dry_run_prints_a_patch_git_applies_and_writes_nothing(repo, tmp_path):
    r = repo({"svc/app.py": SERVICE})
    out = codemod(r, "apply", "--transform", "await-free", "--dry-run")
    assert out.returncode == 1, out.stderr
    assert out.stdout.startswith("diff --git a/svc/app.py b/svc/app.py\n--- a/svc/app.py\n+++ b/svc/app.py\n")
    assert "-async def _load_config():\n+def _load_config():" in out.stdout
    assert "Would change 1 file (2 await-free rewrites); 1 candidate skipped (--show-skips lists them); 1 file checked. " \
        "Run without --dry-run to apply.\n" in out.stderr
    # the changes, with their fix safety, go to stderr: stdout is exactly the patch
    assert "svc/app.py:4:1: await-free [safe]: _load_config() never awaits" in out.stderr
    assert (r / "svc/app.py").read_text() == SERVICE
    (tmp_path / "p.patch").write_text(out.stdout)
    git(r, "apply", str(tmp_path / "p.patch"))
    assert (r / "svc/app.py").read_text() == SERVICE_AFTER
    # nothing pending now: exit 0
    git(r, "commit", "-qam", "applied")
    again = codemod(r, "apply", "--transform", "await-free", "--dry-run")
    assert again.returncode == 0 and again.stdout == ""


def test_apply_writes_in_place_and_lists_changes_and_skips(repo):
    r = repo({"app.py": SERVICE})
    out = codemod(r, "apply", "-t", "await-free", "--show-skips", "--no-cache")
    assert out.returncode == 0, out.stderr
    assert (r / "app.py").read_text() == SERVICE_AFTER
    lines = out.stdout.splitlines()
    assert any(line.startswith("app.py:4:1: await-free [safe]: ") for line in lines), lines
    assert any(line.startswith("app.py:9:") and "await-free" in line for line in lines), lines
    assert any("app.py:8:1: await-free: skipped: " in line for line in lines), lines  # main: asyncio.run(main())
    assert "Changed 1 file (2 await-free rewrites); 1 candidate skipped; 1 file checked.\n" in out.stderr


def test_patch_file(repo, tmp_path):
    r = repo({"app.py": SERVICE})
    patch = tmp_path / "fix.patch"
    out = codemod(r, "apply", "-t", "await-free", "--patch", str(patch))
    assert out.returncode == 1
    assert (r / "app.py").read_text() == SERVICE
    res = git(r, "apply", "--check", str(patch), check=False)
    assert res.returncode == 0, res.stderr
    assert patch.read_text().startswith("diff --git a/app.py b/app.py\n")


def test_json_format(repo):
    r = repo({"app.py": SERVICE})
    out = codemod(r, "apply", "-t", "await-free", "--dry-run", "--format", "json")
    assert out.returncode == 1
    doc = json.loads(out.stdout)
    validate(doc)
    summary = doc["summary"]
    assert {k: summary[k] for k in ("files_changed", "rewrites", "unsafe", "held_back", "errors", "files_written")} == {
        "files_changed": 1, "rewrites": 2, "unsafe": 0, "held_back": 0, "errors": 0, "files_written": 0,
    }
    assert summary["per_transform"]["await-free"]["rewrites"] == 2
    assert {c["safety"] for c in doc["changes"]} == {"safe"}
    assert doc["files"][0]["path"] == "app.py" and doc["files"][0]["diff"].startswith("diff --git")
    assert {c["line"] for c in doc["changes"]} == {4, 9}
    assert doc["written"] == [] and doc["mode"] == "dry-run" and doc["version"] == 2


def test_dirty_file_is_refused_unless_allowed(repo):
    r = repo({"app.py": SERVICE})
    (r / "app.py").write_text(SERVICE + "# local edit\n")
    out = codemod(r, "apply", "-t", "await-free")
    assert out.returncode == 2
    assert "app.py: error: has uncommitted changes" in out.stderr
    assert (r / "app.py").read_text() == SERVICE + "# local edit\n"
    ok = codemod(r, "apply", "-t", "await-free", "--allow-dirty")
    assert ok.returncode == 0, ok.stderr
    assert (r / "app.py").read_text() == SERVICE_AFTER + "# local edit\n"


def test_bad_files_exit_2_and_the_rest_is_processed(repo):
    r = repo({"app.py": SERVICE, "broken.py": "async def (:\n", "latin.py": b"async def f():\n    return '\xe9'\n"})
    out = codemod(r, "apply", "-t", "await-free")
    assert out.returncode == 2
    assert "broken.py:1: error: does not parse: invalid syntax (line 1)" in out.stderr
    assert "latin.py: error: not valid utf-8" in out.stderr
    assert (r / "app.py").read_text() == SERVICE_AFTER


def test_usage_errors(repo):
    r = repo({"app.py": SERVICE})
    assert codemod(r, "apply").returncode == 2  # no transform chosen
    out = codemod(r, "apply", "-t", "nope")
    assert out.returncode == 2 and "no transform named 'nope'" in out.stderr
    out = codemod(r, "apply", "-t", "await-free", "-o", "await-free.no-such=1")
    assert out.returncode == 2 and "unknown option" in out.stderr
    out = codemod(r, "apply", "-t", "await-free", "missing/")
    assert out.returncode == 2 and "missing: error: no such file or directory" in out.stderr


def test_config_select_options_and_exclude(repo):
    cfg = '[tool.codemod]\nselect = ["await-free"]\nexclude = ["legacy"]\n\n[tool.codemod.await-free]\ninclude-public = true\n'
    public = SERVICE.replace("import asyncio\n", 'import asyncio\n\n__all__ = ["_load_config"]\n')
    r = repo({"pyproject.toml": cfg, "app.py": public, "legacy/old.py": SERVICE})
    out = codemod(r, "apply", "--dry-run")
    assert out.returncode == 1, out.stderr
    assert "a/app.py" in out.stdout and "legacy" not in out.stdout  # include-public from the config
    # the command line wins over the config
    out = codemod(r, "apply", "--dry-run", "-o", "await-free.include-public=false")
    assert out.returncode == 0, out.stdout
    (r / "pyproject.toml").write_text("[tool.codemod]\nselct = []\n")
    out = codemod(r, "apply", "--dry-run")
    assert out.returncode == 2 and "unknown key 'selct'" in out.stderr


def test_paths_limit_edits_but_callers_elsewhere_still_count(repo):
    lib = "async def fetch():\n    return 1\n"
    caller = "from pkg.lib import fetch\n\n\nasync def use():\n    return await fetch()\n"
    r = repo({"pkg/__init__.py": "", "pkg/lib.py": lib, "tests/test_x.py": caller})
    out = codemod(r, "apply", "-t", "await-free", "--dry-run", "--show-skips", "pkg/")
    # converting fetch needs an edit in tests/, which is outside the paths given: skipped, file named
    assert out.returncode == 0, out.stdout + out.stderr
    assert "tests/test_x.py" in out.stderr
    both = codemod(r, "apply", "-t", "await-free", "--dry-run", "pkg/", "tests/")
    assert both.returncode == 1 and "a/tests/test_x.py" in both.stdout


def test_jobs_and_progress_flags(repo):
    files = {f"m{i}.py": SERVICE.replace("_load_config", f"load_{i}") for i in range(70)}
    r = repo(files)
    one = codemod(r, "apply", "-t", "await-free", "--dry-run", "-j", "1", "--no-cache")
    two = codemod(r, "apply", "-t", "await-free", "--dry-run", "-j", "2", "--no-cache", "--progress")
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout and one.stdout.count("diff --git") == 70


LATIN1 = (
    "# -*- coding: latin-1 -*-\nimport asyncio\n\n\nasync def greeting():\n    return 'caf\xe9'\n\n\n"
    "async def main():\n    print(await greeting())\n\n\nasyncio.run(main())\n"
).encode("latin-1")


def test_dry_run_is_byte_identical_to_patch_stdout_in_the_files_own_encoding(repo, tmp_path):
    r = repo({"legacy.py": LATIN1, "app.py": SERVICE})
    dry = codemod(r, "apply", "-t", "await-free", "--dry-run", text=False)
    patch = codemod(r, "apply", "-t", "await-free", "--patch", "-", text=False)
    diff = codemod(r, "apply", "-t", "await-free", "--diff", text=False)
    assert dry.returncode == patch.returncode == diff.returncode == 1, dry.stderr
    assert dry.stdout == patch.stdout == diff.stdout
    assert b"+    return 'caf\xe9'" not in dry.stdout  # unchanged line, context only
    assert b"-async def greeting():\n+def greeting():\n" in dry.stdout
    assert b"caf\xe9" in dry.stdout and "café".encode() not in dry.stdout  # latin-1 bytes, not UTF-8
    assert b"\x1b[" not in dry.stdout  # no colour when stdout is not a terminal
    (tmp_path / "p.patch").write_bytes(dry.stdout)
    git(r, "apply", str(tmp_path / "p.patch"))
    assert (r / "legacy.py").read_bytes() == LATIN1.replace(b"async def greeting", b"def greeting").replace(
        b"await greeting()", b"greeting()"
    )


def test_option_values_are_typed_by_the_options_default(repo):
    public = SERVICE.replace("import asyncio\n", 'import asyncio\n\n__all__ = ["_load_config"]\n')
    r = repo({"app.py": public})
    for off in ("False", "no", "off", "0", "false"):
        out = codemod(r, "apply", "-t", "await-free", "--dry-run", "-o", f"await-free.include-public={off}")
        assert out.returncode == 0 and out.stdout == "", (off, out.stdout, out.stderr)
    for on in ("True", "yes", "on", "1"):
        out = codemod(r, "apply", "-t", "await-free", "--dry-run", "-o", f"await-free.include-public={on}")
        assert out.returncode == 1 and "a/app.py" in out.stdout, (on, out.stderr)
    bad = codemod(r, "apply", "-t", "await-free", "-o", "await-free.include-public=maybe")
    assert bad.returncode == 2
    assert "await-free.include-public expected a boolean (true/false, yes/no, on/off, 1/0), got 'maybe'" in bad.stderr
    ok = codemod(r, "apply", "-t", "lock-await", "--dry-run", "-o", "lock-await.lock-patterns=*guard*,*mutex*")
    assert ok.returncode == 0, ok.stderr
    bad = codemod(r, "apply", "-t", "lock-await", "-o", 'lock-await.lock-patterns=["a", 1]')
    assert bad.returncode == 2 and "expected a list of strings" in bad.stderr
    # the configuration file is checked the same way
    (r / "pyproject.toml").write_text('[tool.codemod.await-free]\ninclude-public = "yes"\n')
    bad = codemod(r, "apply", "-t", "await-free", "--dry-run")
    assert bad.returncode == 2 and "include-public: expected a boolean" in bad.stderr, bad.stderr
