#!/usr/bin/env python3
"""The behavioural corpus against another version of the engine (issue 9's proof).

    python benchmarks/corpus_against.py                   # against 7bd98b7, the main issue 9 was filed on
    python benchmarks/corpus_against.py --ref HEAD~5 --only lock-await
    python benchmarks/corpus_against.py --json out.json

``tests/test_corpus.py`` proves that *this* checkout keeps every corpus program's behaviour. This script
shows that the corpus can tell a bad engine from a good one: it exports ``--ref`` (``git archive``, no
worktree left behind), applies each program's named transform with that version's engine (all its fixes,
as that version had no fix safety), runs the program before and after, and reports which programs that
version breaks: a different stdout, stderr (``-X dev``: un-awaited coroutines, lost task exceptions) or exit
code, a hang, output that does not compile, or an internal error. The same is then done with this
checkout's engine (unsafe fixes included, as the corpus test does) for comparison.

Nothing here asserts: it prints a table per transform and, with ``--json``, every program's verdict.
Exit 0 when it ran (whatever the verdicts), 2 when ``--ref`` cannot be exported.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter, defaultdict
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))

from tests.test_corpus import PROGRAMS, Program, execute, stage  # noqa: E402

DEFAULT_REF = "7bd98b7"  # main when issue 9 was filed

# Runs inside a subprocess whose sys.path starts with the engine under test; prints one JSON line.
_APPLY = r"""
import json, sys
from codemods import engine
from codemods.transforms import registry
folder, name = sys.argv[1], sys.argv[2]
reg = registry()
if name not in reg:
    print(json.dumps({"absent": True})); sys.exit(0)
t = reg[name]({})
if hasattr(t, "allow_unsafe"):
    t.allow_unsafe = True
cs = engine.run([folder], [t], jobs=1, root=folder)
errors = [e.format() if hasattr(e, "format") else str(e) for e in cs.errors]
engine.write_changes(cs)
print(json.dumps({"changed": [fc.path for fc in cs.files], "errors": errors}))
"""


def export(ref: str, into: Path) -> Path:
    """``ref``'s tree (its ``codemods`` package is what matters) unpacked into ``into``."""
    archive = into / "ref.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", ref], stdout=out, check=True)
    tree = into / "tree"
    tree.mkdir()
    with tarfile.open(archive) as tar:
        tar.extractall(tree, filter="data")
    return tree


def judge(program: Program, engine_root: Path, tmp: Path) -> dict:
    folder, script = stage(program, tmp)
    before = execute(folder, script)
    env = {**os.environ, "PYTHONPATH": str(engine_root), "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", _APPLY, str(folder), program.transform], capture_output=True, text=True,
        env=env, cwd=tmp, timeout=120,
    )
    if proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
        return {"verdict": "engine crashed", "detail": tail}
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    if result.get("absent"):
        return {"verdict": "no such transform"}
    if result["errors"]:
        return {"verdict": "internal error", "detail": result["errors"][0]}
    if not result["changed"]:
        return {"verdict": "left alone"}
    for py in folder.rglob("*.py"):
        try:
            compile(py.read_text(encoding="utf-8"), str(py), "exec", dont_inherit=True)
        except SyntaxError as exc:
            return {"verdict": "does not compile", "detail": f"{py.name}: {exc}"}
    after = execute(folder, script)
    if after == before:
        return {"verdict": "same behaviour"}
    what = [k for k, a, b in zip(("exit code", "stdout", "stderr"), before, after) if a != b]
    if after[0] == -1:
        what = ["hangs"]
    return {"verdict": "BREAKS", "detail": ", ".join(what)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ref", default=DEFAULT_REF, help=f"the engine to judge (default {DEFAULT_REF})")
    ap.add_argument("--only", action="append", metavar="TRANSFORM", help="only this transform's programs")
    ap.add_argument("--json", metavar="FILE", help="write every program's verdicts")
    args = ap.parse_args(argv)

    chosen = [p for p in PROGRAMS if not args.only or p.transform in args.only]
    rows = []
    with tempfile.TemporaryDirectory(prefix="corpus-against-") as tmpdir:
        tmp = Path(tmpdir)
        try:
            old = export(args.ref, tmp)
        except subprocess.CalledProcessError:
            print(f"cannot export {args.ref!r} from {REPO} (a shallow clone?)", file=sys.stderr)
            return 2
        for i, program in enumerate(chosen):
            row = {"program": program.id, "transform": program.transform}
            for label, root in (("ref", old), ("head", REPO)):
                work = tmp / f"{i}-{label}"
                work.mkdir()
                row[label] = judge(program, root, work)
            rows.append(row)
            print(f"{program.id:60} {args.ref}: {row['ref']['verdict']:18} this checkout: {row['head']['verdict']}",
                  file=sys.stderr, flush=True)

    print(f"\nThe behavioural corpus, each program's named transform: {args.ref} against this checkout\n")
    print(f"| transform | programs | broken by {args.ref} | broken here |")
    print("|---|---|---|---|")
    by: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        by[row["transform"]].append(row)
    for name in sorted(by):
        rs = by[name]
        old_bad = sum(r["ref"]["verdict"] in ("BREAKS", "does not compile", "internal error", "engine crashed") for r in rs)
        new_bad = sum(r["head"]["verdict"] in ("BREAKS", "does not compile", "internal error", "engine crashed") for r in rs)
        absent = all(r["ref"]["verdict"] == "no such transform" for r in rs)
        print(f"| {name} | {len(rs)} | {'(not in ' + args.ref + ')' if absent else old_bad} | {new_bad} |")
    print()
    for row in rows:
        if row["ref"]["verdict"] in ("BREAKS", "does not compile", "internal error", "engine crashed"):
            print(f"- {row['program']}: {row['ref']['verdict']} ({row['ref'].get('detail', '')})")
    counts = Counter(r["head"]["verdict"] for r in rows)
    print(f"\nthis checkout: {dict(counts)}")
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
