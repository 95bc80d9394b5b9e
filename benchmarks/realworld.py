#!/usr/bin/env python3
"""Apply the transforms to real asyncio libraries and run each library's own tests before and after.

For each library of ``benchmarks/libraries.toml``:

1. download its pinned sdist from PyPI (``pip download --no-deps --no-binary :all:``) into
   ``benchmarks/.work/sdist`` and unpack it (``benchmarks/.work/src``, kept pristine);
2. create a venv (``benchmarks/.work/venvs``, reused while the library's pins do not change) and
   install the library from its source with its pinned test dependencies;
3. copy the pristine source to ``benchmarks/.work/runs/<lib>/baseline`` and run its tests there
   (pytest with ``--junitxml``: passed / failed / error / skipped per test id);
4. for each transform in turn, and then for all of them together (``--transform all``, which holds
   back unsafe fixes, and ``--transform all --unsafe-fixes``, reported as ``all-unsafe``, which applies
   every fix), copy the pristine source again, run ``codemod apply --transform NAME --format json
   --allow-dirty <package>`` on it, and run the tests again.

The report (Markdown, on stdout and in ``--markdown FILE``) gives per library and transform: the
candidates found (rewrites + skips), rewrites made, skips by reason, files that failed verification,
the test results before and after, and every regression (a test that passed before and does not pass
after). It also lists every lock-await and task-guard rewrite for a person to read, since test suites
are weak judges of locking and task lifetimes. Each transformed tree stays under
``benchmarks/.work/runs`` with its patch beside it (``<transform>.patch``) for review.

Exit status: 0 when no test regressed, 1 when one did, 2 when a library could not be set up or its
baseline could not run.

Usage::

    python benchmarks/realworld.py                         # every library, every transform
    python benchmarks/realworld.py --only async-timeout    # one library (what CI runs)
    python benchmarks/realworld.py --transform lock-await --transform all --jobs 2 --markdown out.md
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
import time
import xml.etree.ElementTree as ET
import zipfile
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DEFAULT_CONFIG = HERE / "libraries.toml"
DEFAULT_WORK = HERE / ".work"
ALL = "all"  # the combined run: every transform that `--transform all` selects (safe fixes only)
ALL_UNSAFE = "all-unsafe"  # the same with --unsafe-fixes: every fix of every transform, judged by the tests
COMBINED = (ALL, ALL_UNSAFE)
READ_ME_TRANSFORMS = ("lock-await", "task-guard")  # rewrites listed one by one for a person to read
PASSED = "passed"

_print_lock = threading.Lock()


def log(msg: str) -> None:
    with _print_lock:
        print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


class SetupError(Exception):
    """A library could not be downloaded, installed or baseline-tested."""


# ---------------------------------------------------------------------------------------------
# configuration
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Library:
    name: str
    version: str
    import_name: str
    package: str
    pythonpath: str
    install: tuple[str, ...]
    test_deps: tuple[str, ...]
    tests: tuple[str, ...]
    deselect: tuple[str, ...] = ()
    pytest_args: tuple[str, ...] = ()
    timeout: int = 120

    @property
    def slug(self) -> str:
        return f"{self.name}-{self.version}"

    def venv_key(self) -> str:
        """Changes whenever what the venv holds would change."""
        spec = json.dumps([self.version, self.install, self.test_deps, sys.version], sort_keys=True)
        return hashlib.sha256(spec.encode()).hexdigest()[:10]


def load_config(path: Path) -> list[Library]:
    data = tomllib.loads(path.read_text())
    defaults = data.pop("defaults", {})
    libs = []
    for name, t in data.items():
        libs.append(
            Library(
                name=name,
                version=t["version"],
                import_name=t["import"],
                package=t["package"],
                pythonpath=t.get("pythonpath", "."),
                install=tuple(t.get("install", ["."])),
                test_deps=tuple(defaults.get("test-deps", [])) + tuple(t.get("test-deps", [])),
                tests=tuple(t.get("tests", ["tests"])),
                deselect=tuple(t.get("deselect", [])),
                pytest_args=tuple(t.get("pytest-args", [])),
                timeout=int(t.get("timeout", defaults.get("timeout", 120))),
            )
        )
    return libs


def registered_transforms() -> tuple[list[str], list[str]]:
    """(every registered transform, the ones `--transform all` selects), from this checkout."""
    sys.path.insert(0, str(REPO))
    from codemods.transforms import registry

    reg = registry()
    return list(reg), [n for n, cls in reg.items() if cls.in_all]


# ---------------------------------------------------------------------------------------------
# subprocesses
# ---------------------------------------------------------------------------------------------


@dataclass
class Proc:
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False


def run(cmd: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None,
        timeout: float | None = None, log_to: Path | None = None) -> Proc:
    start = time.monotonic()
    full_env = {**os.environ, **(env or {})}
    try:
        p = subprocess.run(cmd, cwd=cwd, env=full_env, capture_output=True, text=True,
                           timeout=timeout, stdin=subprocess.DEVNULL)
        res = Proc(p.returncode, p.stdout, p.stderr, time.monotonic() - start)
    except subprocess.TimeoutExpired as e:
        out = e.stdout.decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or "")
        err = e.stderr.decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
        res = Proc(-1, out, err, time.monotonic() - start, timed_out=True)
    if log_to is not None:
        log_to.parent.mkdir(parents=True, exist_ok=True)
        log_to.write_text(f"$ {' '.join(cmd)}\n# cwd={cwd} rc={res.returncode} "
                          f"timed_out={res.timed_out} {res.seconds:.1f}s\n"
                          f"--- stdout\n{res.stdout}\n--- stderr\n{res.stderr}\n")
    return res


def clean_env() -> dict[str, str]:
    """Environment for the library's own processes: no venv or PYTHONPATH of ours leaks in."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTEST_ADDOPTS")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONHASHSEED"] = "0"
    return env


# ---------------------------------------------------------------------------------------------
# download, unpack, install
# ---------------------------------------------------------------------------------------------


class Workspace:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.sdist = root / "sdist"
        self.src = root / "src"
        self.venvs = root / "venvs"
        self.runs = root / "runs"
        for d in (self.sdist, self.src, self.venvs, self.runs):
            d.mkdir(parents=True, exist_ok=True)

    # -- sdist --------------------------------------------------------------------------------
    def fetch(self, lib: Library) -> Path:
        """The unpacked pristine source of ``lib`` (downloaded once)."""
        dest = self.src / lib.slug
        if (dest / ".unpacked").exists():
            return dest
        archive = self._find_archive(lib)
        if archive is None:
            p = run([sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
                     "-d", str(self.sdist), f"{lib.name}=={lib.version}"],
                    log_to=self.runs / lib.name / "download.log", timeout=600)
            archive = self._find_archive(lib)
            if archive is None:
                raise SetupError(f"pip download failed (rc={p.returncode}): {p.stderr.strip()[-500:]}")
        tmp = self.src / f".{lib.slug}.tmp"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        if archive.name.endswith(".zip"):
            with zipfile.ZipFile(archive) as z:
                z.extractall(tmp)
        else:
            with tarfile.open(archive) as t:
                if hasattr(tarfile, "data_filter"):
                    t.extractall(tmp, filter="data")
                else:  # an older patch release without extraction filters
                    t.extractall(tmp)
        (top,) = list(tmp.iterdir())  # an sdist holds one top-level directory
        shutil.rmtree(dest, ignore_errors=True)
        top.rename(dest)
        shutil.rmtree(tmp)
        (dest / ".unpacked").write_text(archive.name + "\n")
        return dest

    def _find_archive(self, lib: Library) -> Path | None:
        norm = lib.name.replace("-", "_").lower()
        for f in sorted(self.sdist.iterdir()):
            stem = f.name.lower().replace("-", "_")
            if stem.startswith(f"{norm}_{lib.version}.") and f.name.endswith((".tar.gz", ".zip")):
                return f
        return None

    # -- venv ---------------------------------------------------------------------------------
    def venv(self, lib: Library, source: Path) -> Path:
        """A venv with ``lib`` installed from ``source`` and its pinned test dependencies."""
        venv = self.venvs / f"{lib.slug}-{lib.venv_key()}"
        python = venv / "bin" / "python"
        if (venv / ".ready").exists():
            return python
        shutil.rmtree(venv, ignore_errors=True)
        logs = self.runs / lib.name
        p = run([sys.executable, "-m", "venv", str(venv)], log_to=logs / "venv.log")
        if p.returncode:
            raise SetupError(f"venv creation failed: {p.stderr.strip()[-500:]}")
        # The library from its source, and its pinned test dependencies, in one resolution so that
        # pip reports a conflict between the two instead of silently replacing a pin.
        cmd = [str(python), "-m", "pip", "install", "--no-input", "--disable-pip-version-check",
               *lib.test_deps, *lib.install]
        # build from a scratch copy: setuptools leaves build/ and *.egg-info/ in the source it builds
        build_src = venv / "build-src"
        shutil.copytree(source, build_src, ignore=shutil.ignore_patterns(".unpacked"))
        p = run(cmd, cwd=build_src, env=clean_env(), log_to=logs / "install.log", timeout=1800)
        shutil.rmtree(build_src, ignore_errors=True)
        if p.returncode:
            raise SetupError(f"install failed (see {logs / 'install.log'}): {p.stderr.strip()[-800:]}")
        freeze = run([str(python), "-m", "pip", "freeze", "--all"], env=clean_env())
        (venv / "freeze.txt").write_text(freeze.stdout)
        (venv / ".ready").write_text("ok\n")
        return python


# ---------------------------------------------------------------------------------------------
# tests
# ---------------------------------------------------------------------------------------------


@dataclass
class TestRun:
    outcomes: dict[str, str] = field(default_factory=dict)  # test id -> passed/failed/error/skipped
    returncode: int = 0
    seconds: float = 0.0
    timed_out: bool = False
    note: str = ""

    def counts(self) -> Counter:
        return Counter(self.outcomes.values())

    def summary(self) -> str:
        c = self.counts()
        parts = [f"{c.get(PASSED, 0)} passed"]
        for k in ("failed", "error", "skipped"):
            if c.get(k):
                parts.append(f"{c[k]} {k}")
        if self.timed_out:
            parts.append("TIMED OUT")
        return ", ".join(parts)


def parse_junit(path: Path) -> dict[str, str]:
    """Outcome per pytest node id (``tests/test_x.py::TestY::test_z[param]``)."""
    outcomes: dict[str, str] = {}
    if not path.exists():
        return outcomes
    root = ET.parse(path).getroot()
    for case in root.iter("testcase"):
        tid = node_id(case.get("file"), case.get("classname", ""), case.get("name", ""))
        outcome = PASSED
        for child in case:
            if child.tag in ("failure", "error"):
                outcome = "failed" if child.tag == "failure" else "error"
                break
            if child.tag == "skipped":
                outcome = "skipped"
        # an id can repeat (a test that fails in its body and errors in teardown): worst wins
        if outcomes.get(tid) in ("failed", "error") and outcome in (PASSED, "skipped"):
            continue
        outcomes[tid] = outcome
    return outcomes


def node_id(file: str | None, classname: str, name: str) -> str:
    """The pytest node id from junit's xunit1 attributes (file, dotted classname, name)."""
    if not file or not file.endswith(".py"):
        return f"{classname}::{name}" if classname else name
    module = file[:-3].replace("/", ".")
    rest = classname[len(module) + 1:].split(".") if classname.startswith(module + ".") else []
    return "::".join([file, *[p for p in rest if p], name])


def run_tests(lib: Library, python: Path, tree: Path, label: str, logs: Path,
              only: list[str] | None = None) -> TestRun:
    env = clean_env()
    env["PYTHONPATH"] = str((tree / lib.pythonpath).resolve())
    # The tests must exercise the tree under test, not the copy pip installed into site-packages.
    probe = run([str(python), "-c", f"import {lib.import_name} as m; print(m.__file__)"],
                cwd=tree, env=env)
    origin = probe.stdout.strip()
    if probe.returncode or not Path(origin).resolve().is_relative_to(tree.resolve()):
        raise SetupError(f"{lib.name}: `import {lib.import_name}` does not come from {tree}: "
                         f"{origin or probe.stderr.strip()[-300:]}")
    junit = logs / f"{label}.junit.xml"
    junit.unlink(missing_ok=True)
    cmd = [str(python), "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rA",
           f"--junitxml={junit}", "-o", "junit_family=xunit1",
           f"--timeout={lib.timeout}", *lib.pytest_args]
    for d in lib.deselect:
        cmd += ["--deselect", d]
    cmd += only if only else list(lib.tests)
    p = run(cmd, cwd=tree, env=env, timeout=max(1800, lib.timeout * 10),
            log_to=logs / f"{label}.pytest.log")
    tr = TestRun(parse_junit(junit), p.returncode, p.seconds, p.timed_out)
    if p.returncode not in (0, 1) and not tr.outcomes:
        tr.note = f"pytest exited {p.returncode}: {(p.stdout + p.stderr).strip()[-300:]}"
    return tr


# ---------------------------------------------------------------------------------------------
# applying the codemod
# ---------------------------------------------------------------------------------------------


@dataclass
class Applied:
    changes: list[dict[str, Any]] = field(default_factory=list)
    skips: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)  # files that failed verification
    files_changed: int = 0
    seconds: float = 0.0
    failure: str = ""  # the CLI itself failed


def fresh_tree(pristine: Path, dest: Path) -> Path:
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(pristine, dest, symlinks=True,
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".unpacked"))
    # a git repository, so that the codemod discovers files as in a real project and the patch
    # can be kept for review
    git = ["git", "-c", "user.name=realworld", "-c", "user.email=realworld@localhost",
           "-c", "commit.gpgsign=false"]
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "pristine sdist"]):
        p = run([*git, *cmd], cwd=dest)
        if p.returncode:
            raise SetupError(f"git {' '.join(cmd)} failed in {dest}: {p.stderr.strip()}")
    return dest


def apply_codemod(lib: Library, tree: Path, transform: str, logs: Path) -> Applied:
    """``codemod apply --format json`` on the tree's package; paths in the result are tree-relative."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("VIRTUAL_ENV", None)
    selection = ["--transform", ALL, "--unsafe-fixes"] if transform == ALL_UNSAFE else ["--transform", transform]
    cmd = [sys.executable, "-m", "codemods", "apply", *selection, "--format", "json",
           "--allow-dirty", "--no-cache", "--no-progress", lib.package]
    p = run(cmd, cwd=tree, env=env, timeout=1800, log_to=logs / f"{transform}.codemod.log")
    res = Applied(seconds=p.seconds)
    try:
        doc = json.loads(p.stdout)
    except json.JSONDecodeError:
        res.failure = (f"codemod exited {p.returncode} without a JSON document: "
                       f"{(p.stderr or p.stdout).strip()[-400:]}")
        return res
    (logs / f"{transform}.codemod.json").write_text(p.stdout)
    res.changes = list(doc.get("changes", []))
    res.skips = list(doc.get("skips", []))
    res.errors = list(doc.get("errors", []))
    res.files_changed = len(doc.get("written", doc.get("files", [])))
    if p.returncode not in (0, 2):  # 2: the document lists errors (files reported, the rest done)
        res.failure = f"codemod exited {p.returncode}: {p.stderr.strip()[-400:]}"
    diff = run(["git", "diff"], cwd=tree)
    (logs / f"{transform}.patch").write_text(diff.stdout)
    return res


# ---------------------------------------------------------------------------------------------
# one library
# ---------------------------------------------------------------------------------------------


@dataclass
class Row:
    transform: str
    applied: Applied | None = None
    tests: TestRun | None = None
    regressions: list[str] = field(default_factory=list)
    flaky: list[str] = field(default_factory=list)  # failed after, passed when re-run
    fixed: list[str] = field(default_factory=list)  # did not pass before, passes after


@dataclass
class LibResult:
    lib: Library
    baseline: TestRun | None = None
    rows: list[Row] = field(default_factory=list)
    error: str = ""
    seconds: float = 0.0


def process_library(ws: Workspace, lib: Library, transforms: list[str]) -> LibResult:
    start = time.monotonic()
    result = LibResult(lib)
    logs = ws.runs / lib.name
    logs.mkdir(parents=True, exist_ok=True)
    try:
        log(f"{lib.name}: fetching {lib.slug}")
        pristine = ws.fetch(lib)
        log(f"{lib.name}: installing into a venv")
        python = ws.venv(lib, pristine)
        tree = fresh_tree(pristine, logs / "baseline")
        log(f"{lib.name}: baseline tests")
        result.baseline = run_tests(lib, python, tree, "baseline", logs)
        log(f"{lib.name}: baseline {result.baseline.summary()} ({result.baseline.seconds:.0f}s)")
        if not result.baseline.outcomes:
            raise SetupError(f"baseline ran no test: {result.baseline.note or 'see baseline.pytest.log'}")
        passed_before = {t for t, o in result.baseline.outcomes.items() if o == PASSED}
        for name in transforms:
            row = Row(name)
            result.rows.append(row)
            tree = fresh_tree(pristine, logs / name)
            row.applied = apply_codemod(lib, tree, name, logs)
            a = row.applied
            log(f"{lib.name}: {name}: {len(a.changes)} rewrites, {len(a.skips)} skips, "
                f"{len(a.errors)} errors{' — ' + a.failure if a.failure else ''}")
            if not a.changes and not a.failure:
                row.tests = result.baseline  # nothing changed: the baseline stands
                continue
            row.tests = run_tests(lib, python, tree, name, logs)
            after = row.tests.outcomes
            regressed = sorted(t for t in passed_before if after.get(t) != PASSED)
            row.fixed = sorted(t for t, o in after.items() if o == PASSED and t not in passed_before
                               and t in result.baseline.outcomes)
            if regressed:
                # re-run the regressed tests once on the same tree: a pass means a flaky test
                rerun = run_tests(lib, python, tree, f"{name}.rerun", logs,
                                  only=[t for t in regressed if "::" in t])
                for t in regressed:
                    (row.flaky if rerun.outcomes.get(t) == PASSED else row.regressions).append(t)
            log(f"{lib.name}: {name}: tests {row.tests.summary()}, "
                f"{len(row.regressions)} regressions, {len(row.flaky)} flaky")
    except SetupError as e:
        result.error = str(e)
        log(f"{lib.name}: SETUP FAILED: {e}")
    result.seconds = time.monotonic() - start
    return result


# ---------------------------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------------------------


def _fmt_pos(item: dict[str, Any]) -> str:
    return f"{item.get('path', '?')}:{item.get('line', '?')}"


# messages of the engine's verify step (codemods.engine.verify): the output was dropped
VERIFY_MARKERS = ("does not compile", "does not re-parse", "second run", "not idempotent")


def is_verify_failure(error: dict[str, Any]) -> bool:
    return any(m in str(error.get("message", "")) for m in VERIFY_MARKERS)


_NORMALIZE = [
    (re.compile(r"^[\w.<>]+\(\): "), ""),  # await-free names the function first
    (re.compile(r"^[\w.]+ derives from [\w.\[\]]+"), "… derives from …"),
    (re.compile(r"\b(overrides|overridden by|receiver|class|declares|declare|__all__ of) "
                r"(?!it\b|cannot\b|of\b)[\w./\[\]]+"), r"\1 …"),
    (re.compile(r"base class of \w+ \([\w.]+\)"), "base class of … (…)"),
    (re.compile(r"`[^`]*`"), "`…`"),
    (re.compile(r"'[^']*'"), "'…'"),
    (re.compile(r"@[\w.]+(\([^)]*\))?"), "@…"),
    (re.compile(r"\b[\w./-]+\.py:\d+"), "…"),
    (re.compile(r"\bline \d+"), "line …"),
    (re.compile(r"\b[\w.]+\(\)"), "…()"),
]


def normalize_reason(reason: str) -> str:
    """A skip reason without the names and positions of one case, so that like reasons group."""
    for pattern, repl in _NORMALIZE:
        reason = pattern.sub(repl, reason)
    return reason


def render_markdown(results: list[LibResult], transforms: list[str], started: str,
                    seconds: float) -> str:
    out: list[str] = []
    w = out.append
    w(f"Run of {started} UTC, {seconds / 60:.1f} min, Python {sys.version.split()[0]}, "
      f"codemods at {git_head()}.\n")
    w("| library | transform | candidates | rewrites | skips | verify failed | other errors | "
      "tests before | tests after | regressions |")
    w("|---|---|---:|---:|---:|---:|---:|---|---|---|")
    for r in results:
        if r.error:
            w(f"| {r.lib.slug} | — | | | | | | setup failed: {md_escape(r.error[:150])} | | |")
            continue
        before = r.baseline.summary() if r.baseline else "—"
        if not r.rows:
            w(f"| {r.lib.slug} | (baseline only) | | | | | | {before} | | |")
        for row in r.rows:
            a = row.applied
            if a is None:
                continue
            if a.failure:
                w(f"| {r.lib.slug} | {row.transform} | | | | | | {before} | codemod failed: "
                  f"{md_escape(a.failure[:150])} | |")
                continue
            after = "(unchanged)" if row.tests is r.baseline else (row.tests.summary() if row.tests else "—")
            regs = f"**{len(row.regressions)}**" if row.regressions else "none"
            if row.flaky:
                regs += f" ({len(row.flaky)} flaky on re-run)"
            verify = sum(1 for e in a.errors if is_verify_failure(e))
            w(f"| {r.lib.slug} | {row.transform} | {len(a.changes) + len(a.skips)} | {len(a.changes)} "
              f"| {len(a.skips)} | {verify} | {len(a.errors) - verify} | {before} | {after} | {regs} |")
    w("")
    w("Wall time per library (setup, baseline, every transform and its tests): "
      + ", ".join(f"{r.lib.name} {r.seconds:.0f} s" for r in results) + ".\n")
    w("Candidates are rewrites plus skips. *(unchanged)*: the transform changed no file, so the "
      "baseline stands. A regression is a test that passed before and does not pass after; a test "
      "that fails after the transform is re-run once, and one that then passes is listed as flaky.\n")

    single = [(r, row) for r in results for row in r.rows if row.applied and row.transform not in COMBINED]

    # rewrites a person must read
    for t in READ_ME_TRANSFORMS:
        w(f"### Every {t} rewrite, for a person to read\n")
        lines = [f"- {r.lib.name}: `{_fmt_pos(c)}`: {md_escape(c.get('message', ''))}"
                 for r, row in single if row.transform == t for c in row.applied.changes]
        w("\n".join(lines) if lines else f"No {t} rewrite in this run.")
        w("")

    w("### Rewrites of the other transforms\n")
    lines = [f"- {r.lib.name} / {row.transform}: `{_fmt_pos(c)}`: {md_escape(c.get('message', ''))}"
             for r, row in single if row.transform not in READ_ME_TRANSFORMS for c in row.applied.changes]
    w("\n".join(lines) if lines else "None.")
    w("")

    # regressions
    w("### Regressions\n")
    regs = [(r, row, t) for r in results for row in r.rows for t in row.regressions]
    if regs:
        w("| library | transform | test (passed before) | after |")
        w("|---|---|---|---|")
        for r, row, t in regs:
            after = row.tests.outcomes.get(t, "missing") if row.tests else "?"
            w(f"| {r.lib.name} | {row.transform} | `{md_escape(t)}` | {after} |")
    else:
        w("None.")
    flaky = [(r, row, t) for r in results for row in r.rows for t in row.flaky]
    if flaky:
        w("\nFailed once after the transform but passed when re-run (listed, not counted):\n")
        for r, row, t in flaky:
            w(f"- {r.lib.name} / {row.transform}: `{t}`")
    w("")

    # skips by reason, across libraries
    w("### Skips by reason\n")
    w("Reasons with the names and positions of each case left out (every skip, with its place, is in "
      "`benchmarks/.work/runs/<library>/<transform>.codemod.json`).\n")
    by_transform: dict[str, Counter] = {}
    for r, row in single:
        for sk in row.applied.skips:
            by_transform.setdefault(row.transform, Counter())[normalize_reason(sk.get("reason", "?"))] += 1
    if not by_transform:
        w("No skips.\n")
    for t in sorted(by_transform):
        libs = Counter(r.lib.name for r, row in single if row.transform == t for _ in row.applied.skips)
        w(f"**{t}** ({sum(by_transform[t].values())} skips: "
          + ", ".join(f"{lib} {n}" for lib, n in libs.most_common()) + ")\n")
        for reason, n in by_transform[t].most_common():
            w(f"- {n} × {md_escape(reason)}")
        w("")

    # errors
    w("### Errors reported by the codemod\n")
    errs = [(r, row, e) for r, row in single for e in row.applied.errors]
    if errs:
        for r, row, e in errs:
            kind = "verification failed" if is_verify_failure(e) else e.get("kind", "error")
            w(f"- {r.lib.name} / {row.transform}: `{e.get('path', '?')}` ({kind}): "
              f"{md_escape(str(e.get('message', e)))}")
    else:
        w("None.")
    w("")
    errors = [r for r in results if r.error]
    if errors:
        w("### Setup failures\n")
        for r in errors:
            w(f"- {r.lib.slug}: {md_escape(r.error)}")
        w("")
    return "\n".join(out)


def md_escape(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def git_head() -> str:
    """The commit of codemods that ran, and whether its working tree differed from it."""
    p = run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO)
    head = p.stdout.strip() or "?"
    dirty = run(["git", "status", "--porcelain", "--", "codemods"], cwd=REPO).stdout.split("\n")
    files = sorted(line[3:] for line in dirty if line.strip())
    if files:
        head += f" plus uncommitted changes to {', '.join(f'`{f}`' for f in files)}"
    return head


# ---------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", action="append", metavar="LIB",
                    help="run only this library (repeatable)")
    ap.add_argument("--transform", action="append", metavar="NAME",
                    help=f"run only this transform (repeatable; '{ALL}' is the combined run of safe fixes, "
                         f"'{ALL_UNSAFE}' the combined run with --unsafe-fixes)")
    ap.add_argument("--jobs", type=int, default=1, help="libraries processed at once (default 1)")
    ap.add_argument("--markdown", type=Path, metavar="FILE", help="also write the report here")
    ap.add_argument("--json", type=Path, metavar="FILE", help="write the raw results as JSON")
    ap.add_argument("--readme", action="store_true",
                    help="put the report in benchmarks/README.md, between its realworld markers")
    ap.add_argument("--config", type=Path, default=DEFAULT_CONFIG)
    ap.add_argument("--work", type=Path, default=DEFAULT_WORK,
                    help="cache and scratch directory (default benchmarks/.work)")
    ap.add_argument("--baseline-only", action="store_true",
                    help="set up and run the baseline tests only")
    args = ap.parse_args(argv)

    libs = load_config(args.config)
    if args.only:
        unknown = set(args.only) - {lib.name for lib in libs}
        if unknown:
            ap.error(f"unknown librar(y/ies): {', '.join(sorted(unknown))}; "
                     f"known: {', '.join(lib.name for lib in libs)}")
        libs = [lib for lib in libs if lib.name in args.only]

    every, in_all = ([], []) if args.baseline_only else registered_transforms()
    if args.transform:
        unknown = set(args.transform) - set(every) - set(COMBINED)
        if unknown:
            ap.error(f"unknown transform(s): {', '.join(sorted(unknown))}; known: {', '.join([*every, *COMBINED])}")
        transforms = [t for t in [*every, *COMBINED] if t in args.transform]
    elif args.baseline_only:
        transforms = []
    else:
        transforms = [*every, *COMBINED]
    if transforms and set(transforms) <= set(COMBINED) and not in_all and not args.baseline_only:
        ap.error("no transform is registered")

    ws = Workspace(args.work.resolve())
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = list(pool.map(lambda lib: process_library(ws, lib, transforms), libs))
    seconds = time.monotonic() - t0

    report = render_markdown(results, transforms, started, seconds)
    print(report)
    if args.markdown:
        args.markdown.write_text(report + "\n")
    if args.json:
        args.json.write_text(json.dumps([_result_json(r) for r in results], indent=1) + "\n")
    if args.readme:
        update_readme(HERE / "README.md", report, " ".join(["python", "benchmarks/realworld.py",
                                                              *(argv if argv is not None else sys.argv[1:])]))

    if any(row.regressions for r in results for row in r.rows):
        return 1
    if any(r.error for r in results):
        return 2
    return 0


README_BEGIN = "<!-- realworld:begin -->"
README_END = "<!-- realworld:end -->"


def update_readme(path: Path, report: str, command: str) -> None:
    """Replace what lies between the README's markers with this run's report."""
    text = path.read_text()
    head, sep1, rest = text.partition(README_BEGIN)
    _, sep2, tail = rest.partition(README_END)
    if not (sep1 and sep2):
        raise SystemExit(f"{path}: no {README_BEGIN} ... {README_END} markers")
    body = f"\n<!-- written by: {command} -->\n\n{report.strip()}\n\n"
    path.write_text(head + README_BEGIN + body + README_END + tail)


def _result_json(r: LibResult) -> dict[str, Any]:
    def tests(t: TestRun | None) -> dict[str, Any] | None:
        return None if t is None else {"counts": dict(t.counts()), "seconds": round(t.seconds, 1),
                                       "timed_out": t.timed_out}

    return {
        "library": r.lib.name, "version": r.lib.version, "error": r.error,
        "seconds": round(r.seconds, 1), "baseline": tests(r.baseline),
        "transforms": [{
            "transform": row.transform,
            "changes": row.applied.changes if row.applied else [],
            "skips": row.applied.skips if row.applied else [],
            "errors": row.applied.errors if row.applied else [],
            "failure": row.applied.failure if row.applied else "",
            "tests": tests(row.tests), "regressions": row.regressions, "flaky": row.flaky,
        } for row in r.rows],
    }


if __name__ == "__main__":
    sys.exit(main())
