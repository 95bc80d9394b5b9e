"""The default executor: a local process pool, started on first use and shared by every phase of a run."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from typing import Any, Callable, Sequence

from .futures import Futures

# below these counts, a process pool costs more than it saves
MIN_ITEMS = {"index": 64, "rewrite": 4}


def _start_worker() -> None:
    """Workers leave Ctrl-C to the main process, which stops the run (exit 130) without a traceback
    from every worker. A worker forked while the main process had its garbage collector paused (see
    :func:`~codemods.pipeline.run.run_workspace`) starts with it running: each file's work pauses it."""
    import gc
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.enable()


class ProcessPool:
    name = "process"

    def __init__(self, jobs: int, min_items: dict[str, int] | None = None) -> None:
        self.jobs = jobs
        self.min_items = dict(MIN_ITEMS if min_items is None else min_items)
        self._futures: Futures | None = None

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], *, phase: str, progress=None) -> list:
        if len(items) < self.min_items.get(phase, 1):
            from .serial import Serial

            return Serial().map(fn, items, phase=phase, progress=progress)
        if self._futures is None:
            self._futures = Futures(ProcessPoolExecutor(max_workers=self.jobs, initializer=_start_worker), self.jobs)
        return self._futures.map(fn, items, phase=phase, progress=progress)

    def close(self) -> None:
        if self._futures is not None:
            self._futures.close()
            self._futures = None

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
