#!/usr/bin/env python3
"""Does the optimised engine give the same answer as the engine before the optimisation, on a corpus?

    python benchmarks/equivalence.py --corpus DIR [--before cf443c5] [--unsafe-fixes] [--jobs 2]

Runs the same transforms (this checkout's) over the corpus twice: with the engine of commit
``--before`` (its ``codemods/engine.py``, the single-function engine, loaded beside this checkout's
modules) and with this checkout's pipeline, cold; then once more with this checkout's pipeline warm
(from its cache, which must answer the same). It compares the JSON documents (files and their diffs,
changes, skips, errors, held-back and suppressed fixes), prints every difference, and exits 1 when there
is one. The corpus is copied first (outside any git repository); nothing of it is changed.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

RUNNER = r'''
import json, sys, time
sys.path.insert(0, sys.argv[1])
import codemods
from codemods.transforms import registry
mode, corpus, jobs, unsafe, cache, out = sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5] == "1", sys.argv[6], sys.argv[7]
transforms = []
for name, cls in registry().items():
    if cls.in_all:
        t = cls()
        t.allow_unsafe = unsafe
        transforms.append(t)
t0 = time.perf_counter()
if mode == "before":
    from codemods import _engine_before as engine
    cs = engine.run([corpus], transforms, jobs=jobs, root=corpus, cache_dir=cache or None)
else:
    from codemods import pipeline
    cs = pipeline.run([corpus], transforms, jobs=jobs, root=corpus, cache_dir=cache or None)
doc = cs.to_json()
doc["wall_s"] = time.perf_counter() - t0
json.dump(doc, open(out, "w"))
'''

COMPARED = ("files", "changes", "held_back", "suppressed", "skips", "errors", "notices")


def compare(a: dict, b: dict, label_a: str, label_b: str) -> list[str]:
    diffs = []
    for key in COMPARED:
        left = {json.dumps(x, sort_keys=True) for x in a.get(key, [])}
        right = {json.dumps(x, sort_keys=True) for x in b.get(key, [])}
        for item in sorted(left - right):
            diffs.append(f"{key}: only {label_a}: {item[:400]}")
        for item in sorted(right - left):
            diffs.append(f"{key}: only {label_b}: {item[:400]}")
    return diffs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--corpus", required=True, help="an unpacked corpus (e.g. the speed benchmark's Home Assistant)")
    ap.add_argument("--before", default="cf443c5", help="the commit whose codemods/engine.py is the reference")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--unsafe-fixes", action="store_true", help="every transform applies its unsafe fixes")
    ap.add_argument("--keep", help="keep the three JSON documents in this folder")
    args = ap.parse_args(argv)
    before_engine = subprocess.run(["git", "show", f"{args.before}:codemods/engine.py"], cwd=REPO, capture_output=True,
                                   text=True, check=True).stdout
    with tempfile.TemporaryDirectory(prefix="codemod-equivalence-") as tmp:
        scratch = Path(tmp)
        code = scratch / "code"
        shutil.copytree(REPO / "codemods", code / "codemods", ignore=shutil.ignore_patterns("__pycache__"))
        (code / "codemods" / "_engine_before.py").write_text(before_engine)
        corpus = scratch / "corpus"
        shutil.copytree(args.corpus, corpus, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        runner = scratch / "runner.py"
        runner.write_text(RUNNER)
        docs = {}
        for label, mode, cache in (("before", "before", ""), ("after, cold", "after", str(scratch / "cache")),
                                   ("after, warm", "after", str(scratch / "cache"))):
            out = scratch / f"{label.replace(', ', '-')}.json"
            print(f"[{time.strftime('%H:%M:%S')}] {label}", file=sys.stderr, flush=True)
            subprocess.run([sys.executable, str(runner), str(code), mode, str(corpus), str(args.jobs),
                            "1" if args.unsafe_fixes else "0", cache, str(out)], check=True)
            docs[label] = json.loads(out.read_text())
            if args.keep:
                Path(args.keep).mkdir(parents=True, exist_ok=True)
                shutil.copyfile(out, Path(args.keep) / out.name)
    diffs = compare(docs["before"], docs["after, cold"], "before", "after") + [
        d.replace("only before", "only cold").replace("only after", "only warm")
        for d in compare(docs["after, cold"], docs["after, warm"], "before", "after")
    ]
    for label, doc in docs.items():
        s = doc["summary"]
        print(f"{label}: {doc['wall_s']:.1f} s; {s['files_changed']} files changed, {s['rewrites']} rewrites, "
              f"{s['skips']} skips, {s['errors']} errors, {s['held_back']} held back; stats {doc['stats']}")
    for d in diffs:
        print(d)
    print(f"{len(diffs)} difference(s)")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
