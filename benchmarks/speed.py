#!/usr/bin/env python3
"""Whole-repository speed against the baselines (issue 12), on Home Assistant 2024.3.3.

    python benchmarks/speed.py                      # fetch the corpus once, then measure (≈ 10 min)
    python benchmarks/speed.py --corpus DIR         # an unpacked corpus already on disk
    python benchmarks/speed.py --subset 300 --repeat 1 --json out.json

The corpus is fetched once from PyPI (``pip download --no-deps homeassistant==2024.3.3``) and unpacked
into a cache folder outside the repository (``--cache``, default ``$CODEMODS_BENCH_CACHE`` or
``~/.cache/codemods-bench``). Each measurement runs on a scratch copy of its ``.py`` files (outside any
git repository; the copy is where the caches go), as a separate command, and reports the median wall
time of ``--repeat`` runs:

- ``codemod apply -t all --dry-run``, cold (no cache) and warm (the same again, nothing changed);
- ``codemod audit``, cold and warm, when this checkout has the verb;
- LibCST's own codemod CLI with its no-op codemod (``noop.NOOPCommand``, ``--jobs``), as the baseline for
  cold runs;
- ruff's async rules (``ruff check --select ASYNC,RUF006``), without and with its cache, as the baseline
  for warm runs.

It prints the ratios the issue's targets are stated in, peak memory (the sum of the proportional set
size of the command's whole process tree, sampled every 50 ms; the largest single process's RSS beside
it), and how many files were present, indexed, and handed to LibCST. ``--json FILE`` writes every figure;
``--keep DIR`` keeps the cold run's JSON document (to diff two versions of the engine). Nothing here
asserts a time: the figures are for people (the README quotes them).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS_NAME, CORPUS_VERSION = "homeassistant", "2024.3.3"
TARGETS = {"cold_vs_libcst": 0.2, "warm_vs_ruff": 3.0, "peak_bytes": 1 << 30}
SAMPLE_EVERY_S = 0.05


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------------
# the corpus


def default_cache() -> Path:
    return Path(os.environ.get("CODEMODS_BENCH_CACHE") or Path.home() / ".cache" / "codemods-bench")


def fetch_corpus(cache: Path, name: str = CORPUS_NAME, version: str = CORPUS_VERSION) -> Path:
    """The unpacked wheel of ``name==version`` under ``cache``, downloaded from PyPI the first time."""
    src = cache / f"{name}-{version}" / "src"
    done = src / ".unpacked"
    if done.exists():
        return src
    wheels = cache / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    found = sorted(wheels.glob(f"{name}-{version}-*.whl"))
    if not found:
        log(f"downloading {name}=={version} from PyPI into {wheels}")
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:", "--ignore-requires-python",
             "--disable-pip-version-check", "-q", f"{name}=={version}", "-d", str(wheels)],
            check=True,
        )
        found = sorted(wheels.glob(f"{name}-{version}-*.whl"))
    if not found:
        raise SystemExit(f"pip download left no {name}-{version} wheel in {wheels}")
    log(f"unpacking {found[0].name} into {src}")
    if src.exists():
        shutil.rmtree(src)
    with zipfile.ZipFile(found[0]) as zf:
        zf.extractall(src)
    done.write_text(found[0].name + "\n")
    return src


def copy_python_files(corpus: Path, target: Path, subset: int | None) -> list[str]:
    """Copy the ``.py`` files of ``corpus`` (the first ``subset`` by path) to ``target``."""
    files = sorted(
        str(p.relative_to(corpus)) for p in corpus.rglob("*.py")
        if "__pycache__" not in p.parts and p.is_file() and not p.is_symlink()
    )
    if subset:
        files = files[:subset]
    for rel in files:
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / rel, dest)
    return files


# ---------------------------------------------------------------------------------------------
# measuring one command


@dataclass
class Sample:
    wall_s: float
    returncode: int
    peak_bytes: int  # summed PSS (or RSS) of the process tree, sampled
    max_rss_bytes: int  # the command's own process (wait4)
    load: float  # 1-minute load average when the command started


def _children(pid: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(b")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(parents.get(p, ()))
    return tree


def _memory(pid: int) -> int:
    for name, key in (("smaps_rollup", b"Pss:"), ("status", b"VmRSS:")):
        try:
            with open(f"/proc/{pid}/{name}", "rb") as fh:
                for line in fh:
                    if line.startswith(key):
                        return int(line.split()[1]) * 1024
        except OSError:
            continue
    return 0


def measure(argv: list[str], cwd: Path, stdout_path: Path | None = None, env: dict | None = None) -> Sample:
    load = os.getloadavg()[0]
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    err = open(stdout_path.with_suffix(".stderr"), "wb") if stdout_path else subprocess.DEVNULL
    peak = 0
    stop = threading.Event()
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=out, stderr=err, env=env)

    def sample() -> None:
        nonlocal peak
        if not os.path.isdir("/proc"):
            return
        while not stop.is_set():
            peak = max(peak, sum(_memory(p) for p in _children(proc.pid)))
            stop.wait(SAMPLE_EVERY_S)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    stop.set()
    sampler.join()
    if stdout_path:
        out.close()
        err.close()
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
    return Sample(wall, proc.returncode, peak, usage.ru_maxrss * scale, load)


@dataclass
class Row:
    what: str
    command: str
    samples: list[Sample] = field(default_factory=list)
    notes: str = ""

    @property
    def median(self) -> float:
        return statistics.median(s.wall_s for s in self.samples)

    @property
    def peak(self) -> int:
        return max(s.peak_bytes for s in self.samples)

    @property
    def max_rss(self) -> int:
        return max(s.max_rss_bytes for s in self.samples)


# ---------------------------------------------------------------------------------------------
# the run


def codemod_has(codemod: list[str], verb: str) -> bool:
    proc = subprocess.run([*codemod, verb, "--help"], capture_output=True)
    return proc.returncode == 0


def versions(codemod: list[str]) -> dict[str, str]:
    def out(argv):
        try:
            return subprocess.run(argv, capture_output=True, text=True, cwd=REPO).stdout.strip()
        except OSError:
            return ""

    return {
        "codemods": out([*codemod, "--version"]),
        "commit": out(["git", "rev-parse", "--short", "HEAD"]),
        "libcst": out([sys.executable, "-c", "from importlib.metadata import version; print(version('libcst'))"]),
        "ruff": out([*ruff_command(), "--version"]),
        "python": platform.python_version(),
    }


def machine() -> dict[str, str]:
    model = ""
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            mem = f"{int(fh.readline().split()[1]) / (1 << 20):.1f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {"system": f"{platform.system()} {platform.release()}", "cpu": model, "cores": str(os.cpu_count()), "memory": mem}


def ruff_command() -> list[str]:
    found = shutil.which("ruff") or os.path.join(os.path.dirname(sys.executable), "ruff")
    return [found]


def run(args: argparse.Namespace) -> dict:
    corpus = Path(args.corpus).resolve() if args.corpus else fetch_corpus(Path(args.cache).expanduser())
    codemod = shlex.split(args.codemod) if args.codemod else [sys.executable, "-m", "codemods"]
    jobs = str(args.jobs)
    with tempfile.TemporaryDirectory(prefix="codemod-speed-") as scratch_dir:
        scratch = Path(scratch_dir)
        tree = scratch / "corpus"
        files = copy_python_files(corpus, tree, args.subset)
        size = sum((tree / f).stat().st_size for f in files)
        log(f"corpus: {corpus} ({len(files)} .py files, {size / 1e6:.1f} MB), copied to {tree}")
        rows: dict[str, Row] = {}
        stats: dict[str, dict] = {}
        cache = tree / ".codemod-cache"
        # outside a git repository and without a pyproject.toml, codemod caches in the user's cache folder
        user_cache = scratch / "user-cache"
        env = {**os.environ, "XDG_CACHE_HOME": str(user_cache)}

        def codemod_rows(key: str, verb_args: list[str], label: str) -> None:
            argv = [*codemod, *verb_args, "--format", "json", "-j", jobs]
            cold = rows[f"{key}_cold"] = Row(f"{label}, cold", shlex.join(argv[len(codemod) - 1:]))
            for i in range(args.repeat):
                shutil.rmtree(cache, ignore_errors=True)
                shutil.rmtree(user_cache, ignore_errors=True)
                doc = scratch / f"{key}-cold-{i}.json"
                log(f"{cold.what} ({i + 1}/{args.repeat})")
                cold.samples.append(measure(argv, tree, doc, env))
            stats[f"{key}_cold"] = _stats(doc)
            if args.keep:
                Path(args.keep).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(doc, Path(args.keep) / f"{key}.json")
            warm = rows[f"{key}_warm"] = Row(f"{label}, warm (nothing changed)", cold.command)
            for i in range(args.repeat):
                doc = scratch / f"{key}-warm-{i}.json"
                log(f"{warm.what} ({i + 1}/{args.repeat})")
                warm.samples.append(measure(argv, tree, doc, env))
            stats[f"{key}_warm"] = _stats(doc)

        codemod_rows("apply", ["apply", "-t", "all", "--dry-run", "--no-progress", "."], "codemod apply -t all --dry-run")
        if codemod_has(codemod, "audit"):
            codemod_rows("audit", ["audit", "."], "codemod audit")
        shutil.rmtree(cache, ignore_errors=True)
        shutil.rmtree(user_cache, ignore_errors=True)

        if "libcst" not in args.skip:
            argv = [sys.executable, "-m", "libcst.tool", "codemod", "noop.NOOPCommand", f"--jobs={jobs}", "--no-format",
                    "--hide-progress", "--hide-generated-warnings", "--hide-blacklisted-warnings", "."]
            row = rows["libcst"] = Row(f"LibCST codemod CLI, no-op codemod, -j {jobs}", shlex.join(argv[1:]))
            for i in range(args.baseline_repeat or args.repeat):
                log(f"{row.what} ({i + 1})")
                row.samples.append(measure(argv, tree))
            row.notes = f"parses all {len(files)} files"
        if "ruff" not in args.skip:
            ruff = ruff_command()
            argv = [*ruff, "check", "--select", "ASYNC,RUF006", "--exit-zero", "--quiet", "--no-cache", "."]
            row = rows["ruff_cold"] = Row("ruff check --select ASYNC,RUF006, no cache", shlex.join(["ruff", *argv[1:]]))
            for _ in range(max(3, args.repeat)):
                row.samples.append(measure(argv, tree))
            argv = [*ruff, "check", "--select", "ASYNC,RUF006", "--exit-zero", "--quiet", "--cache-dir", str(scratch / "ruff-cache"), "."]
            measure(argv, tree)  # fill its cache
            row = rows["ruff_warm"] = Row("ruff check --select ASYNC,RUF006, warm cache", shlex.join(["ruff", *argv[1:]]))
            for _ in range(max(3, args.repeat)):
                row.samples.append(measure(argv, tree))
        for key in ("apply_cold", "apply_warm", "audit_cold", "audit_warm"):
            if key in rows and key in stats:
                st = stats[key]
                rows[key].notes = (
                    f"indexed {st.get('indexed', '?')}, LibCST {st.get('libcst_files', st.get('rewritten', '?'))} files"
                    f" ({st.get('libcst_parses', '?')} parses), changed {st.get('files_changed', '?')}; "
                    f"cache hits {st.get('cache_hits', 0)}, results reused {st.get('results_reused', 0)}"
                )
    return report(rows, stats, len(files), size, corpus, codemod, args)


def _stats(doc: Path) -> dict:
    try:
        data = json.loads(doc.read_text())
    except (OSError, ValueError):
        return {}
    st = dict(data.get("stats", {}))
    summary = data.get("summary", {})
    st["files_changed"] = summary.get("files_changed", len(data.get("files", [])))
    return st


def _ratio(a: Row | None, b: Row | None) -> float | None:
    if not a or not b or not a.samples or not b.samples or b.median == 0:
        return None
    return a.median / b.median


def report(rows: dict[str, Row], stats: dict, n_files: int, size: int, corpus: Path, codemod: list[str], args) -> dict:
    info = {**machine(), **versions(codemod)}
    cold_vs_libcst = _ratio(rows.get("apply_cold"), rows.get("libcst"))
    warm_vs_ruff = _ratio(rows.get("apply_warm"), rows.get("ruff_cold"))
    warm_vs_ruff_cached = _ratio(rows.get("apply_warm"), rows.get("ruff_warm"))
    peak = max((rows[k].peak for k in ("apply_cold", "apply_warm") if k in rows), default=0)
    width = max(len(r.what) for r in rows.values())
    lines = [
        f"corpus: {corpus.name if args.corpus else CORPUS_NAME + ' ' + CORPUS_VERSION} — {n_files} .py files, {size / 1e6:.1f} MB",
        f"machine: {info['system']}, {info['cores']} cores ({info['cpu']}), {info['memory']}; "
        f"load average {min(s.load for r in rows.values() for s in r.samples):.2f}–{max(s.load for r in rows.values() for s in r.samples):.2f} "
        "at the starts of the runs",
        f"versions: codemods {info['codemods']} ({info['commit']}), libcst {info['libcst']}, {info['ruff']}, Python {info['python']}",
        f"medians of {args.repeat} runs (baselines: LibCST {args.baseline_repeat or args.repeat}, ruff {max(3, args.repeat)})",
        "",
        f"{'what'.ljust(width)}  {'median':>8}  {'min':>8}  {'max':>8}  {'peak mem':>9}  notes",
    ]
    for r in rows.values():
        walls = [s.wall_s for s in r.samples]
        lines.append(
            f"{r.what.ljust(width)}  {r.median:7.2f}s  {min(walls):7.2f}s  {max(walls):7.2f}s  {r.peak / (1 << 20):7.0f} MiB  {r.notes}"
        )

    def verdict(value, target, fmt, lower_is_better=True):
        if value is None:
            return "not measured"
        ok = value <= target if lower_is_better else value >= target
        return f"{fmt(value)} (target ≤ {fmt(target)}: {'holds' if ok else 'MISSED'})"

    lines += [
        "",
        f"cold apply / LibCST no-op: {verdict(cold_vs_libcst, TARGETS['cold_vs_libcst'], lambda v: f'{v:.3f}x')}",
        f"warm apply / ruff (no cache): {verdict(warm_vs_ruff, TARGETS['warm_vs_ruff'], lambda v: f'{v:.2f}x')}"
        + (f"; / ruff with its cache: {warm_vs_ruff_cached:.2f}x" if warm_vs_ruff_cached else ""),
        f"peak memory of apply: {verdict(peak, TARGETS['peak_bytes'], lambda v: f'{v / (1 << 20):.0f} MiB')}",
        f"files present {n_files}; LibCST parsed {n_files} (its CLI) vs "
        f"{stats.get('apply_cold', {}).get('libcst_files', stats.get('apply_cold', {}).get('rewritten', '?'))} (codemod apply, cold) and "
        f"{stats.get('apply_warm', {}).get('libcst_files', stats.get('apply_warm', {}).get('rewritten', '?'))} (warm)",
    ]
    text = "\n".join(lines)
    print(text)
    doc = {
        "corpus": {"name": str(corpus), "files": n_files, "bytes": size},
        "machine": info,
        "rows": {k: {"what": r.what, "command": r.command, "median_s": r.median, "notes": r.notes,
                     "peak_bytes": r.peak, "max_rss_bytes": r.max_rss, "samples": [asdict(s) for s in r.samples]}
                 for k, r in rows.items()},
        "stats": stats,
        "ratios": {"cold_vs_libcst": cold_vs_libcst, "warm_vs_ruff": warm_vs_ruff, "warm_vs_ruff_cached": warm_vs_ruff_cached},
        "peak_bytes": peak,
        "report": text,
    }
    if args.json:
        Path(args.json).write_text(json.dumps(doc, indent=2) + "\n")
    return doc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", help="an unpacked corpus folder (default: Home Assistant 2024.3.3, fetched into --cache)")
    ap.add_argument("--cache", default=str(default_cache()), help="where the fetched corpus is kept (default: %(default)s)")
    ap.add_argument("--subset", type=int, help="only the first N .py files (by path)")
    ap.add_argument("--repeat", type=int, default=3, help="runs per codemod measurement (default: %(default)s)")
    ap.add_argument("--baseline-repeat", type=int, help="runs of LibCST's CLI (default: --repeat)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes for codemod and LibCST")
    ap.add_argument("--skip", action="append", default=[], choices=["libcst", "ruff"], help="leave a baseline out")
    ap.add_argument("--codemod", help="the codemod command to measure (default: this Python's `-m codemods`)")
    ap.add_argument("--json", help="write every figure to this file")
    ap.add_argument("--keep", help="keep the cold runs' JSON documents in this folder")
    args = ap.parse_args(argv)
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    run(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
