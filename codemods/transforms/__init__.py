"""Transform registry: every module in this package is imported and its classes registered by name."""

from __future__ import annotations

import importlib
import pkgutil

from .base import SAFE, UNSAFE, Change, Plan, RewriteContext, Skip, SourceInfo, Transform

REGISTRY: dict[str, type[Transform]] = {}
_loaded = False


def register(cls: type[Transform]) -> type[Transform]:
    """Class decorator: register a transform under its kebab-case ``name``."""
    name = cls.name
    if not name or name != name.lower() or "_" in name or " " in name:
        raise ValueError(f"transform name must be kebab-case: {name!r}")
    if name in REGISTRY and REGISTRY[name] is not cls:
        raise ValueError(f"transform {name!r} registered twice")
    REGISTRY[name] = cls
    return cls


def _load_all() -> None:
    global _loaded
    _loaded = True
    for info in pkgutil.iter_modules(__path__):
        if info.name != "base" and not info.name.startswith("_"):  # _shared: helpers, not transforms
            importlib.import_module(f"{__name__}.{info.name}")


def registry() -> dict[str, type[Transform]]:
    """All transforms, in the order the engine runs them (positional plans first, then by name)."""
    if not _loaded:
        _load_all()
    return dict(sorted(REGISTRY.items(), key=lambda kv: (not kv[1].positional_plan, kv[0])))


def get(name: str) -> type[Transform]:
    reg = registry()
    if name not in reg:
        raise KeyError(name)
    return reg[name]


__all__ = [
    "Change", "Plan", "REGISTRY", "RewriteContext", "SAFE", "Skip", "SourceInfo", "Transform", "UNSAFE", "get", "register",
    "registry",
]
