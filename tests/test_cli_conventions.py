"""The flags ruff and black users expect, stdin, configuration, and robust failures: the real command
on real temporary git repositories."""

from __future__ import annotations

import json
import os

from .test_cli import SERVICE, SERVICE_AFTER, codemod, validate

LIB = "async def fetch():\n    return 1\n"
USE = "from pkg.lib import fetch\n\n\nasync def use():\n    return await fetch()\n"


def test_check_prints_only_the_summary_and_exits_1(repo):
    r = repo({"app.py": SERVICE})
    out = codemod(r, "apply", "-t", "await-free", "--check")
    assert out.returncode == 1 and out.stdout == ""
    assert out.stderr == ("Would change 1 file (2 await-free rewrites); 1 candidate skipped (--show-skips lists them); "
                          "1 file checked. Run without --check to apply.\n")
    assert (r / "app.py").read_text() == SERVICE
    zero = codemod(r, "apply", "-t", "await-free", "--check", "--exit-zero")
    assert zero.returncode == 0 and "Would change 1 file" in zero.stderr


def test_statistics_count_per_transform_safety_and_skip_reason(repo):
    r = repo({"app.py": SERVICE})
    out = codemod(r, "apply", "-t", "await-free", "--dry-run", "--statistics")
    assert out.returncode == 1
    lines = out.stdout.splitlines()
    assert lines[0].split() == ["2", "await-free", "[safe]", "rewrites"]
    assert lines[1].startswith("1  await-free  skipped: main(): used other than by")
    assert "diff --git" not in out.stdout


def test_quiet_and_verbose(repo):
    r = repo({"app.py": SERVICE})
    quiet = codemod(r, "apply", "-t", "await-free", "--dry-run", "-q")
    assert quiet.returncode == 1 and quiet.stdout.startswith("diff --git") and quiet.stderr == ""
    loud = codemod(r, "apply", "-t", "await-free", "--dry-run", "-v", "--no-cache")
    assert "files: 1 checked, 1 read, 1 parsed (ast), 1 rewritten (LibCST)" in loud.stderr
    assert "timings: read " in loud.stderr and " total " in loud.stderr


def test_color_auto_always_never_and_the_environment(repo):
    r = repo({"app.py": SERVICE})
    plain = codemod(r, "apply", "-t", "await-free", "--dry-run")
    always = codemod(r, "apply", "-t", "await-free", "--dry-run", "--color", "always")
    forced = codemod(r, "apply", "-t", "await-free", "--dry-run", env={"FORCE_COLOR": "1"})
    no_color = codemod(r, "apply", "-t", "await-free", "--dry-run", env={"FORCE_COLOR": "1", "NO_COLOR": "1"})
    never = codemod(r, "apply", "-t", "await-free", "--dry-run", "--color", "never", env={"FORCE_COLOR": "1"})
    assert "\x1b[" not in plain.stdout + plain.stderr  # not a terminal
    assert "\x1b[31m-async def _load_config():\x1b[m" in always.stdout and "\x1b[32m[safe]" in always.stderr
    assert forced.stdout == always.stdout
    assert no_color.stdout == never.stdout == plain.stdout


def test_config_file_elsewhere(repo, tmp_path):
    r = repo({"app.py": SERVICE})
    elsewhere = tmp_path / "codemod.toml"
    elsewhere.write_text('select = ["await-free"]\n')
    out = codemod(r, "apply", "--dry-run", "--config", str(elsewhere))
    assert out.returncode == 1 and "a/app.py" in out.stdout
    pyproject = tmp_path / "other" / "pyproject.toml"
    pyproject.parent.mkdir()
    pyproject.write_text('[tool.codemod]\nselect = ["lock-await"]\n')
    out = codemod(r, "apply", "--dry-run", "--config", str(pyproject))
    assert out.returncode == 0 and out.stdout == ""
    missing = codemod(r, "apply", "--dry-run", "--config", str(tmp_path / "nope.toml"))
    assert missing.returncode == 2 and "nope.toml: no such file" in missing.stderr


def test_did_you_mean(repo):
    r = repo({"app.py": SERVICE})
    for typo in ("lockawait", "lock_await", "lock-awiat"):
        out = codemod(r, "apply", "-t", typo)
        assert out.returncode == 2 and "(did you mean 'lock-await'?)" in out.stderr, out.stderr
    out = codemod(r, "apply", "-t", "await-free", "-o", "await-free.include_public=true")
    assert out.returncode == 2 and "(did you mean 'include-public'?)" in out.stderr
    out = codemod(r, "apply", "-t", "await-free", "--dryrun")
    assert out.returncode == 2 and "Did you mean '--dry-run'?" in out.stderr
    (r / "pyproject.toml").write_text('[tool.codemod]\nselct = ["all"]\n')
    out = codemod(r, "apply", "--dry-run")
    assert out.returncode == 2 and "unknown key 'selct' (did you mean 'select'?)" in out.stderr
    (r / "pyproject.toml").write_text('[tool.codemod.lock_await]\nlock-patterns = ["*"]\n')
    out = codemod(r, "apply", "--dry-run", "-t", "all")
    assert out.returncode == 2 and "(did you mean 'lock-await'?)" in out.stderr
    (r / "pyproject.toml").write_text('[tool.codemod.await-free]\ninclude-publik = true\n')
    out = codemod(r, "apply", "--dry-run", "-t", "all")
    assert out.returncode == 2 and "unknown option 'include-publik' (did you mean 'include-public'?)" in out.stderr


def test_per_file_ignores_and_a_transforms_own_exclude(repo):
    cfg = ('[tool.codemod]\nselect = ["await-free"]\n\n[tool.codemod.per-file-ignores]\n"legacy/*" = ["await-free"]\n')
    r = repo({"pyproject.toml": cfg, "app.py": SERVICE, "legacy/old.py": SERVICE})
    out = codemod(r, "apply", "--dry-run")
    assert out.returncode == 1 and "a/app.py" in out.stdout and "legacy" not in out.stdout, out.stdout
    cfg2 = '[tool.codemod]\nselect = ["await-free"]\n\n[tool.codemod.await-free]\nexclude = ["app.py"]\n'
    (r / "pyproject.toml").write_text(cfg2)
    out = codemod(r, "apply", "--dry-run", "--allow-dirty")
    assert out.returncode == 1 and "a/legacy/old.py" in out.stdout and "a/app.py" not in out.stdout
    # a cross-file transform still reads an ignored file: a caller there keeps its definition async
    lib = {"pkg/__init__.py": "", "pkg/lib.py": LIB, "pkg/app.py": USE,
           "pyproject.toml": '[tool.codemod.per-file-ignores]\n"pkg/app.py" = ["all"]\n'}
    r2 = repo(lib, name="cross")
    out = codemod(r2, "apply", "-t", "await-free", "--dry-run", "--show-skips")
    assert out.returncode == 0 and out.stdout == "", out.stdout
    assert "pkg/app.py" in out.stderr  # the skip names the file it could not edit


def test_stdin_to_stdout_with_the_repository_around_it(repo):
    r = repo({"pkg/__init__.py": "", "pkg/lib.py": LIB, "pkg/app.py": USE})
    lone = "async def lone():\n    return 1\n\n\nasync def main():\n    return await lone()\n"
    out = codemod(r, "apply", "-t", "await-free", "-", "--stdin-filename", "pkg/new.py", input=lone)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "def lone():\n    return 1\n\n\nasync def main():\n    return lone()\n"
    assert not (r / "pkg/new.py").exists()
    # the module stands for pkg/lib.py: app.py (on disk) still awaits fetch, so it stays a coroutine
    out = codemod(r, "apply", "-t", "await-free", "--show-skips", "-", "--stdin-filename", "pkg/lib.py", input=LIB)
    assert out.returncode == 0 and out.stdout == LIB
    assert "awaited at pkg/app.py:5" in out.stderr
    diff = codemod(r, "apply", "-t", "await-free", "--diff", "-", "--stdin-filename", "pkg/new.py", input=lone)
    assert diff.returncode == 1 and diff.stdout.startswith("diff --git a/pkg/new.py b/pkg/new.py\n")
    check = codemod(r, "apply", "-t", "await-free", "--check", "-", "--stdin-filename", "pkg/new.py", input=lone)
    assert check.returncode == 1 and check.stdout == ""
    broken = codemod(r, "apply", "-t", "await-free", "-", "--stdin-filename", "pkg/new.py", input="def (:\n")
    assert broken.returncode == 2 and broken.stdout == "" and "pkg/new.py:1: error: does not parse" in broken.stderr
    usage = codemod(r, "apply", "-t", "await-free", "-")
    assert usage.returncode == 2 and "--stdin-filename" in usage.stderr


def test_a_named_file_is_always_checked(repo):
    # no transform's prefilter looks at it, but it was named: its syntax error is reported
    r = repo({"notes.py": "print('hello'\n", "app.py": SERVICE})
    out = codemod(r, "apply", "-t", "lock-await", "--dry-run", "notes.py")
    assert out.returncode == 2 and "notes.py:1: error: does not parse" in out.stderr, out.stderr
    folder = codemod(r, "apply", "-t", "lock-await", "--dry-run", ".")
    assert folder.returncode == 0, folder.stderr  # in a folder it is only parsed when a transform needs it


def test_json_document_says_what_was_written_and_carries_errors_with_line_and_transform(repo):
    r = repo({"app.py": SERVICE, "broken.py": "async def (:\n"})
    out = codemod(r, "apply", "-t", "await-free", "--format", "json")
    assert out.returncode == 2
    doc = json.loads(out.stdout)
    validate(doc)
    assert doc["mode"] == "write" and doc["written"] == ["app.py"] and doc["files"][0]["written"] is True
    assert doc["errors"] == [{"path": "broken.py", "line": 1, "transform": None, "kind": "error",
                              "message": "does not parse: invalid syntax (line 1)"}]
    change = next(c for c in doc["changes"] if c["line"] == 4)
    assert change["end_line"] >= change["line"] and change["safety"] == "safe"
    hunk = doc["files"][0]["hunks"][change["hunks"][0]]
    assert hunk["diff"].startswith("@@ ") and "-async def _load_config():" in hunk["diff"]
    assert (r / "app.py").read_text() == SERVICE_AFTER


def test_failures_to_write_output_are_one_line_and_exit_2(repo, tmp_path):
    r = repo({"app.py": SERVICE})
    out = codemod(r, "apply", "-t", "await-free", "--patch", "/no/such/dir/x.patch")
    assert out.returncode == 2
    assert out.stderr == "error: cannot write the patch to /no/such/dir/x.patch: no such directory /no/such/dir\n"
    (tmp_path / "ro").mkdir()
    os.chmod(tmp_path / "ro", 0o500)
    try:
        if not os.access(tmp_path / "ro", os.W_OK):  # root can write anywhere: then this part proves nothing
            out = codemod(r, "apply", "-t", "await-free", "--patch", str(tmp_path / "ro" / "x.patch"))
            assert out.returncode == 2 and out.stderr.count("\n") == 1 and "permission denied" in out.stderr
    finally:
        os.chmod(tmp_path / "ro", 0o700)
    # stdout that cannot be written (a full disk): one line, exit 2, not 1 and no traceback
    import subprocess
    import sys

    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "codemods", "apply", "-t", "await-free", "--dry-run"],
                              cwd=r, stdout=full, stderr=subprocess.PIPE, text=True)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("error: cannot write") and "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0


def test_a_crash_is_exit_2_with_a_hint_to_report_it(repo):
    r = repo({"app.py": SERVICE})
    # a bug anywhere (here: the summary raises, planted through sitecustomize) is exit 2, never 1
    (r / "sitecustomize.py").write_text(
        "import codemods.cli.report as r\n"
        "def boom(*a, **k):\n    raise RuntimeError('boom')\n"
        "r.Reporter.summary = boom\n"
    )
    crash = codemod(r, "apply", "-t", "await-free", "--dry-run", env={"PYTHONPATH": str(r)})
    assert crash.returncode == 2, crash.stderr
    assert "codemod: internal error: RuntimeError: boom" in crash.stderr
    assert "please report it" in crash.stderr and "Traceback" not in crash.stderr


def test_outside_git_warns_once_and_keeps_the_cache_out_of_the_folder(tmp_path):
    folder = tmp_path / "loose"
    folder.mkdir()
    (folder / "app.py").write_text(SERVICE)
    cache_home = tmp_path / "cache-home"
    out = codemod(folder, "apply", "-t", "await-free", env={"XDG_CACHE_HOME": str(cache_home)})
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("is not in a git repository") == 1
    assert (folder / "app.py").read_text() == SERVICE_AFTER
    assert not (folder / ".codemod-cache").exists()
    assert list((cache_home / "codemod").iterdir())  # the cache went to the user's cache folder
    # a project root (pyproject.toml) outside git keeps its cache there
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (project / "src" / "app.py").write_text(SERVICE)
    out = codemod(project / "src", "apply", "-t", "await-free", "--dry-run", ".", env={"XDG_CACHE_HOME": str(cache_home)})
    assert out.returncode == 1
    assert (project / ".codemod-cache").is_dir() and not (project / "src" / ".codemod-cache").exists()


def test_plurals(repo):
    r = repo({"a.py": SERVICE, "b.py": SERVICE.replace("_load_config", "_load_other")})
    out = codemod(r, "apply", "-t", "await-free", "--check")
    assert "Would change 2 files (4 await-free rewrites); 2 candidates skipped" in out.stderr
    assert "2 files checked." in out.stderr
