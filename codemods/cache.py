"""Moved to :mod:`codemods.pipeline.store`; kept so that ``from codemods.cache import ...`` still works."""

from .pipeline.store import CACHE_DIR_NAME, MISS, FactsCache, fingerprint

__all__ = ["CACHE_DIR_NAME", "FactsCache", "MISS", "fingerprint"]
