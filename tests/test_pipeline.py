"""The pipeline's phases and seams: work items, executors, the store, consumers of the index that are
not transforms (the audit's way in), and runs over text that is not on disk."""

from __future__ import annotations

import ast
import pickle
from concurrent.futures import ThreadPoolExecutor

from codemods import pipeline
from codemods.pipeline import executors
from codemods.pipeline.discover import Workspace
from codemods.pipeline.executors.futures import Futures
from codemods.pipeline.items import IndexJob, SourceFile
from codemods.pipeline.index import index_one

from .demo_transform import DemoRename

GOOD = "import lib\n\n\ndef main():\n    return old_api(1)\n"


class AwaitCounter:
    """A consumer of the index that is not a transform: counts awaits per file, as an audit rule would."""

    name = "await-counter"
    version = "1"
    cross_file = False

    def __init__(self) -> None:
        self.options = {}

    def wants(self, data: bytes) -> bool:
        return b"await" in data

    def index(self, src, tree: ast.Module):
        lines = tuple(n.lineno for n in ast.walk(tree) if isinstance(n, ast.Await))
        return lines or None


def square(x: int) -> int:
    return x * x


def test_executors_keep_the_order_and_report_progress():
    items = list(range(300))
    seen = []
    for ex in (executors.make("serial"), executors.make("process", jobs=2), Futures(ThreadPoolExecutor(3), 3)):
        with ex:
            seen.clear()
            out = ex.map(square, items, phase="index", progress=lambda phase, done, total: seen.append((phase, done, total)))
        assert out == [x * x for x in items], ex.name
        assert seen[0] == ("index", 0, 300) and seen[-1] == ("index", 300, 300), ex.name
        assert [d for _, d, _ in seen] == sorted(d for _, d, _ in seen)


def test_a_process_pool_runs_a_small_phase_in_this_process():
    pool = executors.make("process", jobs=2)
    pool.map(square, [1, 2], phase="rewrite")  # under the rewrite threshold
    assert pool._futures is None  # no process was started
    pool.close()


def test_work_items_pickle():
    f = SourceFile("pkg/a.py", "pkg.a", False, GOOD.encode())
    job = IndexJob(f, (DemoRename(), AwaitCounter()))
    again = pickle.loads(pickle.dumps(job))
    assert again.file == f and [c.name for c in again.consumers] == ["demo-rename", "await-counter"]
    res = index_one(again)
    assert res.facts == {"demo-rename": (5,)} and res.error is None


def test_another_consumer_reads_the_same_parse(repo):
    r = repo({"a.py": GOOD, "b.py": "async def f(x):\n    await x\n    return await x\n", "c.py": "print(1)\n"})
    result = pipeline.run_phases([str(r)], [DemoRename()], root=str(r), jobs=1, indexers=[AwaitCounter()])
    assert result.index.facts["await-counter"] == {"b.py": (2, 3)}
    assert result.index.facts["demo-rename"] == {"a.py": (5,)}
    assert result.changeset.stats["indexed"] == 2  # c.py passed neither prefilter; each file parsed once
    assert [f.path for f in result.changeset.files] == ["a.py"]
    # the consumer alone: no transform, no rewrite
    alone = pipeline.run_phases([str(r)], [], root=str(r), jobs=1, indexers=[AwaitCounter()])
    assert alone.index.facts["await-counter"] == {"b.py": (2, 3)} and not alone.changeset.files


def test_another_consumers_facts_are_cached(repo, tmp_path):
    r = repo({"b.py": "async def f(x):\n    await x\n"})
    cache = str(tmp_path / "cache")
    first = pipeline.run_phases([str(r)], [], root=str(r), jobs=1, indexers=[AwaitCounter()], cache_dir=cache)
    second = pipeline.run_phases([str(r)], [], root=str(r), jobs=1, indexers=[AwaitCounter()], cache_dir=cache)
    assert first.index.cache_hits == 0 and second.index.cache_hits == 1
    assert second.index.facts == first.index.facts


def test_a_workspace_from_given_bytes(tmp_path):
    """Text that is not on disk (standard input): a Workspace over the bytes, the same phases after it."""
    ws = Workspace.from_sources(str(tmp_path), {"pkg/__init__.py": b"", "pkg/mod.py": GOOD.encode()})
    assert ws.files["pkg/mod.py"].module == "pkg.mod" and ws.files["pkg/__init__.py"].is_package
    result = pipeline.run_workspace(ws, [DemoRename()])
    assert [f.path for f in result.changeset.files] == ["pkg/mod.py"]
    assert result.changeset.files[0].new_text == GOOD.replace("old_api", "new_api")


def test_the_same_changeset_with_every_executor(repo):
    files = {f"pkg/m{i}.py": GOOD if i % 3 else "x = old_api\n" for i in range(80)}
    r = repo(files)
    serial = pipeline.run([str(r)], [DemoRename()], root=str(r), executor=executors.make("serial"))
    with Futures(ThreadPoolExecutor(2), 2) as threads:
        threaded = pipeline.run([str(r)], [DemoRename()], root=str(r), executor=threads)
    assert serial.diff() == threaded.diff() and serial.diff()
    assert serial.skips == threaded.skips and len(serial.skips) == 27


LOCKED = """\
import asyncio


class Wallet:
    def __init__(self, store):
        self._lock = asyncio.Lock()
        self._store = store

    async def deposit(self, key, n):
        async with self._lock:
            value = await self._store.get(key)
            await self._store.set(key, value + n)
"""


def test_a_file_whose_report_the_index_knows_is_not_rewritten(repo):
    """lock-await decides in the index that nothing in ``wallet.py`` moves: the run reports its skips
    from the plan and LibCST never parses the file, unless another transform rewrites it anyway.
    Either way the report is the one the rewrite makes (apply_to_source runs the rewrite)."""
    from codemods.engine import apply_to_source
    from codemods.transforms import get

    lock_await = get("lock-await")
    rewritten = apply_to_source([lock_await()], LOCKED, "wallet.py", "wallet")
    assert rewritten.skips and not rewritten.changes and rewritten.new_text == LOCKED
    r = repo({"wallet.py": LOCKED})
    cs = pipeline.run([str(r)], [lock_await()], root=str(r), jobs=1)
    assert cs.stats["reported_from_plan"] == 1 and cs.stats["rewritten"] == 0 and cs.stats["libcst_parses"] == 0
    assert [(s.line, s.col, s.reason) for s in cs.skips] == [(s.line, s.col, s.reason) for s in rewritten.skips]
    assert not cs.files
    # another transform rewrites the file: lock-await runs in the rewrite as well, with the same report
    both = repo({"wallet.py": LOCKED + "\n\ndef main():\n    return old_api(1)\n"}, name="both")
    cs = pipeline.run([str(both)], [DemoRename(), lock_await()], root=str(both), jobs=1)
    assert cs.stats["reported_from_plan"] == 0 and cs.stats["libcst_parses"] >= 1 and [f.path for f in cs.files] == ["wallet.py"]
    assert [(s.line, s.col, s.reason) for s in cs.skips if s.transform == "lock-await"] == [
        (s.line, s.col, s.reason) for s in rewritten.skips
    ]
