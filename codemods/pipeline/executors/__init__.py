"""The executor seam: how a per-file phase (index, rewrite) runs its items.

Every executor has one method, ``map(fn, items, phase=..., progress=...)``, which returns
``[fn(item) for item in items]`` in order, reporting ``progress(phase, done, total)`` as it goes; and
``close()``. ``fn`` is a top-level function and the items are plain data (:mod:`..items`), so they
pickle to another process or another machine.

- :class:`~.serial.Serial`: in this process (one job, or a handful of items).
- :class:`~.pool.ProcessPool`: a local ``concurrent.futures.ProcessPoolExecutor``, the default; one
  pool serves every phase of a run; a phase with few items runs in this process.
- :class:`~.futures.Futures` over any ``concurrent.futures.Executor``; :class:`~.dask.Dask` is one on
  a dask.distributed cluster (``Client(address).get_executor()``), made by :func:`make` for
  ``--executor dask --scheduler ADDRESS``.
"""

from __future__ import annotations

from typing import Any, Callable, Protocol, Sequence

from .dask import ExecutorError  # (dask.distributed itself is imported only by connect())
from .futures import Futures
from .pool import ProcessPool
from .serial import Serial

Progress = Callable[[str, int, int], None]  # (phase, done, total)
KINDS = ("process", "serial", "dask")


class Executor(Protocol):
    name: str

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], *, phase: str, progress: Progress | None = None) -> list:
        ...

    def close(self) -> None:
        ...


def make(kind: str = "process", jobs: int = 1, scheduler: str | None = None) -> Executor:
    """The executor for ``--executor KIND`` (``process``, ``serial``, ``dask`` with ``--scheduler ADDRESS``)."""
    if kind == "serial" or (kind == "process" and jobs <= 1):
        return Serial()
    if kind == "process":
        return ProcessPool(jobs)
    if kind == "dask":
        from .dask import connect

        return connect(scheduler)
    raise ExecutorError(f"unknown executor {kind!r}; choose one of {', '.join(KINDS)}")


__all__ = ["Executor", "ExecutorError", "Futures", "KINDS", "ProcessPool", "Progress", "Serial", "make"]
