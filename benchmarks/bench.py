"""Speed figures for the pipeline on a real corpus (default: this Python's standard library).

    python benchmarks/bench.py [--corpus DIR] [--transform NAME ...] [--jobs N] [--repeat K]

Prints, for the corpus: files and bytes; the cost of reading, of the byte prefilter of every transform
(and the share of files it lets through), of CPython's ast.parse and of LibCST's parse over a sample;
then for each transform a whole `engine.run` (a dry run: nothing is written) with one process and with
--jobs processes, cold and with a warm facts cache, with the phase split the engine reports. Medians of
--repeat runs. Nothing here asserts a time: the figures are for people (see the README's table).
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import statistics
import sys
import sysconfig
import tempfile
import time
import warnings

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import libcst as cst  # noqa: E402

from codemods import engine  # noqa: E402
from codemods.config import Config  # noqa: E402
from codemods.discover import discover, find_root  # noqa: E402
from codemods.transforms import registry  # noqa: E402


def median_time(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", default=sysconfig.get_paths()["stdlib"], help="folder to measure (default: the stdlib)")
    ap.add_argument("--transform", action="append", help="transform(s) to run (default: every one)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--libcst-sample", type=int, default=200, help="files to LibCST-parse for the per-file cost")
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        # a copy outside any git repository: every .py file counts, and nothing of the original is touched
        copy = os.path.join(tmp, "corpus")
        shutil.copytree(args.corpus, copy, symlinks=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "site-packages"))
        args.corpus = copy
        return measure(args)


def measure(args: argparse.Namespace) -> int:
    root, in_git = find_root(args.corpus)
    found = discover(root, [os.path.realpath(args.corpus)], Config(), in_git)
    paths = [os.path.join(root, p) for p in found.files]
    print(f"corpus: {args.corpus} ({len(paths)} .py files)")

    def read_all():
        out = {}
        for p in paths:
            with open(p, "rb") as fh:
                out[p] = fh.read()
        return out

    t_read, contents = median_time(read_all, args.repeat)
    total = sum(len(b) for b in contents.values())
    print(f"bytes: {total / 1e6:.1f} MB")
    rows = [("read every file", t_read, "")]

    names = args.transform or list(registry())
    transforms = [registry()[n]() for n in names]
    for t in transforms:
        t_scan, hits = median_time(lambda: sum(1 for b in contents.values() if t.wants(b)), args.repeat)
        rows.append((f"prefilter {t.name}", t_scan, f"{hits} files ({100 * hits / max(1, len(contents)):.0f}%)"))

    def parse_all():
        ok = 0
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for b in contents.values():
                try:
                    ast.parse(b)
                    ok += 1
                except (SyntaxError, ValueError):
                    pass
        return ok

    t_ast, ok = median_time(parse_all, 1)
    rows.append(("ast.parse every file", t_ast, f"{ok} parse"))
    sample = sorted(contents)[:: max(1, len(contents) // args.libcst_sample)][: args.libcst_sample]

    def cst_sample():
        n = 0
        for p in sample:
            try:
                cst.parse_module(contents[p])
                n += 1
            except Exception:
                pass
        return n

    t_cst, _ = median_time(cst_sample, 1)
    share = sum(len(contents[p]) for p in sample) / max(1, total)
    rows.append(("LibCST parse (extrapolated from a sample)", t_cst / max(share, 1e-9), f"sample of {len(sample)}"))

    for t in transforms:
        for jobs in sorted({1, args.jobs}):
            t_run, cs = median_time(lambda: engine.run([args.corpus], [t], jobs=jobs, root=root), args.repeat)
            st = cs.stats
            rows.append((
                f"run {t.name}, {jobs} job{'s' * (jobs > 1)}, no cache", t_run,
                f"indexed {st['indexed']}, rewritten {st['rewritten']}, changed {len(cs.files)}; "
                f"index {st['index_s']:.2f}s plan {st['plan_s']:.2f}s rewrite {st['rewrite_s']:.2f}s",
            ))
        with tempfile.TemporaryDirectory() as cache:
            engine.run([args.corpus], [t], jobs=args.jobs, root=root, cache_dir=cache)
            t_warm, cs = median_time(lambda: engine.run([args.corpus], [t], jobs=args.jobs, root=root, cache_dir=cache), args.repeat)
            rows.append((f"run {t.name}, warm cache", t_warm, f"cache hits {cs.stats['cache_hits']}"))

    width = max(len(r[0]) for r in rows)
    print(f"\n{'what'.ljust(width)}  {'wall':>8}  notes")
    for what, secs, note in rows:
        print(f"{what.ljust(width)}  {secs:7.2f}s  {note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
