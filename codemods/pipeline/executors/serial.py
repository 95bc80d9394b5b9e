"""Run a phase's items one after the other in this process."""

from __future__ import annotations

from typing import Any, Callable, Sequence

PROGRESS_EVERY = 50  # items between progress reports


class Serial:
    name = "serial"

    def map(self, fn: Callable[[Any], Any], items: Sequence[Any], *, phase: str, progress=None) -> list:
        total = len(items)
        if progress:
            progress(phase, 0, total)
        out = []
        for i, item in enumerate(items, 1):
            out.append(fn(item))
            if progress and (i % PROGRESS_EVERY == 0 or i == total):
                progress(phase, i, total)
        return out

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()
