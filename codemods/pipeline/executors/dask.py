"""Per-file phases on a dask.distributed cluster: ``--executor dask --scheduler ADDRESS``.

``Client(address).get_executor()`` is a ``concurrent.futures`` executor; the phases send it batches of
plain data (:mod:`..items`) and a top-level function, as they do to the local process pool. Every
worker must be able to import this same version of codemods (and the transforms' dependencies, LibCST):
install it in the workers' environment. Only the index and rewrite phases run there; discovery, the
plan, the store and the output stay in this process.

It pays when the per-file work is large against what travels: many files that LibCST rewrites, or an
index over a monorepo too large for one machine's cores. Each batch carries the files' bytes to a worker
and the results back through the scheduler, so on a repository that one machine indexes in seconds, a
local pool is faster. See the README's "Scaling out".
"""

from __future__ import annotations

from .futures import Futures


class ExecutorError(Exception):
    """The executor cannot be set up (dask.distributed missing, scheduler unreachable)."""


class Dask(Futures):
    name = "dask"

    def __init__(self, client, own_client: bool = True) -> None:
        workers = sum(client.nthreads().values()) or 1
        super().__init__(client.get_executor(pure=False), workers)
        self.client = client
        self.own_client = own_client

    def close(self) -> None:
        super().close()
        if self.own_client:
            self.client.close()


def connect(address: str | None, timeout: float = 30) -> Dask:
    """A dask executor on the cluster whose scheduler listens at ``address`` (``tcp://host:8786``)."""
    if not address:
        raise ExecutorError("--executor dask needs --scheduler ADDRESS (the dask scheduler, e.g. tcp://10.0.0.5:8786)")
    try:
        from distributed import Client
    except ImportError:
        raise ExecutorError("--executor dask needs dask.distributed: pip install 'codemods[dask]'") from None
    try:
        client = Client(address, timeout=timeout)
    except (OSError, TimeoutError) as exc:
        raise ExecutorError(f"cannot reach the dask scheduler at {address}: {exc}") from None
    return Dask(client)
