"""The dask executor: the per-file phases on a dask.distributed cluster (a LocalCluster of worker
processes here) give the same changeset as a local run; the CLI's --executor dask --scheduler."""

from __future__ import annotations

import subprocess
import sys

import pytest

from codemods import pipeline
from codemods.pipeline import executors
from codemods.pipeline.executors.dask import Dask

from .demo_transform import DemoRename

GOOD = "import lib\n\n\ndef main():\n    return old_api(1)\n"
LOCKED = '''import asyncio


class Cache:
    def __init__(self, observer):
        self._lock = asyncio.Lock()
        self._data = {}
        self._observer = observer

    async def put(self, key, value):
        async with self._lock:
            self._data[key] = value
            await self._observer.on_put(key)
'''


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")  # a test dependency: installed by the test extras
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as c:
        yield c


def test_a_dask_cluster_gives_the_local_answer(repo, cluster):
    from distributed import Client

    files = {f"pkg/m{i}.py": GOOD if i % 3 else "x = old_api\n" for i in range(30)}
    r = repo(files)
    local = pipeline.run([str(r)], [DemoRename()], root=str(r), executor=executors.make("serial"))
    with Client(cluster.scheduler_address) as client:
        with Dask(client, own_client=False) as ex:
            seen = []
            remote = pipeline.run([str(r)], [DemoRename()], root=str(r), executor=ex,
                                  progress=lambda phase, done, total: seen.append(phase))
        workers_used = client.run(lambda: sys.modules.get("codemods.pipeline.index") is not None)
    assert remote.diff() == local.diff() and remote.diff()
    assert remote.skips == local.skips and len(remote.skips) == 10
    assert {"index", "rewrite"} <= set(seen)
    assert any(workers_used.values())  # the work ran in the cluster's worker processes


def test_the_cli_runs_on_a_scheduler(repo, cluster):
    r = repo({"svc.py": LOCKED})

    def codemod(*args):
        return subprocess.run([sys.executable, "-m", "codemods", "apply", "-t", "all", "--unsafe-fixes", "--dry-run",
                               "--no-cache", *args, "."], cwd=r, capture_output=True, text=True)

    local = codemod()
    remote = codemod("--executor", "dask", "--scheduler", cluster.scheduler_address)
    assert remote.returncode == local.returncode and remote.stdout == local.stdout
    assert local.returncode in (0, 1), local.stderr


def test_dask_needs_a_scheduler_and_a_scheduler_needs_dask(repo):
    r = repo({"a.py": GOOD})
    for args, message in ((["--executor", "dask"], "needs --scheduler ADDRESS"),
                          (["--scheduler", "tcp://127.0.0.1:1"], "--scheduler goes with --executor dask")):
        res = subprocess.run([sys.executable, "-m", "codemods", "apply", "-t", "all", "--dry-run", *args, "."],
                             cwd=r, capture_output=True, text=True)
        assert res.returncode == 2 and message in res.stderr, res.stderr


def test_an_unreachable_scheduler_is_a_clear_error(repo):
    pytest.importorskip("distributed")
    from codemods.pipeline.executors.dask import connect

    with pytest.raises(executors.ExecutorError, match="cannot reach the dask scheduler at tcp://127.0.0.1:9"):
        connect("tcp://127.0.0.1:9", timeout=2).close()
