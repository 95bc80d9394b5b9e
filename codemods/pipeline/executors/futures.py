"""Run a phase's items on any ``concurrent.futures.Executor``, in batches.

One task per item would cost more in pickling and scheduling than most items cost to process (an
``ast`` parse is a millisecond), so items travel in batches; results come back in the items' order.
"""

from __future__ import annotations

from concurrent.futures import Executor as FuturesExecutor
from concurrent.futures import as_completed
from typing import Any, Callable, Sequence

from .serial import Serial

MAX_BATCH = 64


def run_batch(fn: Callable[[Any], Any], items: Sequence[Any]) -> list:
    """A worker's part: ``fn`` over a batch (top-level, so that it pickles)."""
    return [fn(item) for item in items]


class Futures:
    """A phase executor over a ``concurrent.futures.Executor``.

    ``min_items``: per phase, below how many items the phase runs in this process instead (shipping a
    handful of files to workers costs more than it saves). ``workers``: how many run at once (sizes the
    batches).
    """

    name = "futures"

    def __init__(self, executor: FuturesExecutor, workers: int, min_items: dict[str, int] | None = None) -> None:
        self.executor = executor
        self.workers = max(1, workers)
        self.min_items = min_items or {}

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], *, phase: str, progress=None) -> list:
        items = list(items)
        total = len(items)
        if total < self.min_items.get(phase, 1):
            return Serial().map(fn, items, phase=phase, progress=progress)
        if progress:
            progress(phase, 0, total)
        size = max(1, min(MAX_BATCH, total // (self.workers * 8) or 1))
        batches = [items[i : i + size] for i in range(0, total, size)]
        futures = {self.executor.submit(run_batch, fn, batch): n for n, batch in enumerate(batches)}
        results: list[list | None] = [None] * len(batches)
        done = 0
        for future in as_completed(futures):
            n = futures[future]
            results[n] = future.result()
            done += len(batches[n])
            if progress:
                progress(phase, done, total)
        return [r for batch in results for r in batch]  # type: ignore[union-attr]

    def close(self) -> None:
        self.executor.shutdown(wait=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
