"""The store: facts, plans and rewrite outcomes reused by content hash; safe under concurrent runs;
bounded; a broken database is a slower run, never a failure."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import libcst as cst

from codemods import engine
from codemods.pipeline import store as store_mod
from codemods.pipeline.store import DB_NAME, FactsCache, stable
from codemods.transforms.base import Plan, Transform

from .demo_transform import DemoRename

GOOD = "import lib\n\n\ndef main():\n    return old_api(1)\n"
CALLS = {"index": 0, "rewrite": 0, "plan": 0}


class Counted(DemoRename):
    """DemoRename that counts its index and rewrite calls (the run is serial: same process)."""

    name = "demo-counted"

    def index(self, src, tree):
        CALLS["index"] += 1
        return super().index(src, tree)

    def rewrite(self, module, file_plan, ctx):
        CALLS["rewrite"] += 1
        return super().rewrite(module, file_plan, ctx)


class CrossRename(Transform):
    """A cross-file transform: renames every `def old_api` to `new_api` unless some file says `KEEP`
    (the plan depends on every file's facts, as await-free's does)."""

    name = "demo-cross"
    cross_file = True
    prefilter = (b"old_api", b"KEEP")

    def index(self, src, tree):
        defs = tuple(n.lineno for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "old_api")
        keep = "KEEP" in src.text
        return (defs, keep) if defs or keep else None

    def plan(self, facts):
        CALLS["plan"] += 1
        if any(keep for _, keep in facts.values()):
            return Plan(skips=[])
        return Plan(files={p: defs for p, (defs, _) in facts.items() if defs})

    def rewrite(self, module, file_plan, ctx):
        CALLS["rewrite"] += 1

        class Rename(cst.CSTTransformer):
            def leave_FunctionDef(self, original, updated):
                if updated.name.value == "old_api" and ctx.fix(1, 1, "renamed", safety="safe"):
                    return updated.with_changes(name=cst.Name("new_api"))
                return updated

        return module.visit(Rename())


def reset():
    for k in CALLS:
        CALLS[k] = 0


def run(r, transforms, cache, **kw):
    return engine.run([str(r)], transforms, root=str(r), jobs=1, cache_dir=str(cache), **kw)


def same(a, b):
    assert a.diff() == b.diff()
    assert a.changes == b.changes and a.skips == b.skips and a.errors == b.errors
    assert a.held == b.held and a.suppressed == b.suppressed


def test_a_warm_run_reads_hashes_plans_and_prints(repo, tmp_path):
    r = repo({f"m{i}.py": GOOD if i % 2 else "x = old_api\n" for i in range(6)} | {"bad.py": "old_api(:\n"})
    cache = tmp_path / "cache"
    reset()
    cold = run(r, [Counted()], cache)
    assert CALLS == {"index": 6, "rewrite": 6, "plan": 0} and cold.stats["results_reused"] == 0
    reset()
    warm = run(r, [Counted()], cache)
    assert CALLS == {"index": 0, "rewrite": 0, "plan": 0}  # nothing indexed, nothing rewritten again
    assert warm.stats["results_reused"] == 6 and warm.stats["plans_reused"] == 1 and warm.stats["cache_hits"] == 7
    same(warm, cold)
    assert [e.path for e in warm.errors] == ["bad.py"]
    assert warm.files[0].known_hunks is not None  # the diff comes with the outcome, not from difflib again


def test_an_edited_file_alone_is_redone(repo, tmp_path):
    r = repo({f"m{i}.py": GOOD for i in range(4)})
    cache = tmp_path / "cache"
    run(r, [Counted()], cache)
    (r / "m2.py").write_text(GOOD.replace("(1)", "(2)"))
    reset()
    warm = run(r, [Counted()], cache)
    assert CALLS["index"] == 1 and CALLS["rewrite"] == 1 and warm.stats["results_reused"] == 3
    same(warm, engine.run([str(r)], [Counted()], root=str(r), jobs=1))


def test_options_and_unsafe_fixes_are_part_of_the_key(repo, tmp_path):
    r = repo({"a.py": GOOD})
    cache = tmp_path / "cache"
    run(r, [Counted()], cache)
    reset()
    t = Counted()
    t.allow_unsafe = False
    run(r, [t], cache)
    assert CALLS["rewrite"] == 1  # another run's outcome does not hold for this one


def test_a_cross_file_plan_that_changes_redoes_unchanged_files(repo, tmp_path):
    r = repo({"a.py": "def old_api():\n    return 1\n", "b.py": "print(1)\n"})
    cache = tmp_path / "cache"
    first = run(r, [CrossRename()], cache)
    assert [f.path for f in first.files] == ["a.py"]
    reset()
    assert [f.path for f in run(r, [CrossRename()], cache).files] == ["a.py"]
    assert CALLS == {"index": 0, "rewrite": 0, "plan": 0}  # plan and outcome from the store
    (r / "b.py").write_text("KEEP = True\n")  # a.py is unchanged, its plan is not
    reset()
    assert run(r, [CrossRename()], cache).files == [] and CALLS["plan"] == 1


def test_concurrent_runs_share_one_cache(repo, tmp_path):
    """Four runs at once on one cache: each completes with the right answer; the cache is whole after."""
    r = repo({f"pkg/m{i}.py": GOOD for i in range(40)})
    cache = tmp_path / "cache"
    script = (
        "import sys; sys.path.insert(0, sys.argv[3]); from codemods import engine; from tests.demo_transform import DemoRename;"
        "cs = engine.run([sys.argv[1]], [DemoRename()], root=sys.argv[1], jobs=1, cache_dir=sys.argv[2]);"
        "print(len(cs.files), len(cs.errors))"
    )
    root = str(Path(__file__).resolve().parent.parent)
    procs = [subprocess.Popen([sys.executable, "-c", script, str(r), str(cache), root], stdout=subprocess.PIPE, text=True)
             for _ in range(4)]
    outs = [p.communicate(timeout=300)[0].strip() for p in procs]
    assert outs == ["40 0"] * 4 and all(p.returncode == 0 for p in procs)
    warm = run(r, [DemoRename()], cache)
    assert warm.stats["results_reused"] == 40 and len(warm.files) == 40


def test_the_store_is_bounded_least_recently_used_first(tmp_path):
    store = FactsCache(str(tmp_path), max_bytes=200_000)
    for i in range(50):
        store.store("result", f"old{i}", b"x" * 10_000)
    store.save()
    store.close()
    fresh = FactsCache(str(tmp_path), max_bytes=200_000)
    # stamps are seconds: make the old ones older
    fresh._connect().execute("UPDATE entries SET used = used - 100000")
    for i in range(10):
        fresh.store("result", f"new{i}", b"y" * 10_000)
    fresh.save()
    db = fresh._connect()
    total = db.execute("SELECT SUM(size) FROM entries").fetchone()[0]
    kept = {k for (k,) in db.execute("SELECT key FROM entries")}
    assert total <= 200_000
    assert {f"new{i}" for i in range(10)} <= kept and len(kept) < 60
    fresh.close()


def test_a_broken_database_is_moved_aside(repo, tmp_path):
    r = repo({"a.py": GOOD})
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / DB_NAME).write_bytes(b"this is not a database" * 100)
    cold = run(r, [DemoRename()], cache)
    assert [f.path for f in cold.files] == ["a.py"] and not cold.errors
    assert (cache / (DB_NAME + ".broken")).exists()
    assert run(r, [DemoRename()], cache).stats["results_reused"] == 1


def test_an_unwritable_cache_is_only_a_slower_run(repo, tmp_path):
    r = repo({"a.py": GOOD})
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would go")
    cs = run(r, [DemoRename()], blocker / "cache")
    assert [f.path for f in cs.files] == ["a.py"] and not cs.errors


def test_stable_encoding_does_not_follow_the_hash_seed():
    code = "from codemods.pipeline.store import stable; import sys; sys.stdout.buffer.write(stable({'b': {'x', 'y', 'z'}, 'a': frozenset({1, 2})}))"
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, env={**os.environ, "PYTHONHASHSEED": str(seed)}).stdout
            for seed in (1, 2, 3, 4)}
    assert len(outs) == 1 and outs.pop() == stable({"a": frozenset({2, 1}), "b": {"z", "y", "x"}})


def test_tool_digest_covers_the_engine():
    assert store_mod.tool_digest() == store_mod.tool_digest() and len(store_mod.tool_digest()) == 40
