"""``libcst.matchers``, imported when a transform first uses it.

Importing it costs about half a second (``libcst.codemod`` imports it too), more than a whole warm run
spends on the repository: every command line imports every transform, and most runs never match a
pattern. Module-level patterns are built on first use (:func:`functools.cache` on a function).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for a module; the first attribute read imports it."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attr: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attr)


matchers: Any = LazyModule("libcst.matchers")

__all__ = ["LazyModule", "matchers"]
