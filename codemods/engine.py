"""The engine's public face, kept for the code that imports it: the pipeline lives in
:mod:`codemods.pipeline` (one module per phase); delivery in :mod:`codemods.deliver`.
"""

from __future__ import annotations

from .changeset import Changeset
from .deliver.write import write_changes
from .pipeline import (
    LIBCST_CANNOT_PARSE, SourceResult, apply_to_source, parse_python, rewrite_module, run, run_phases, verify,
    word_matcher,
)
from .pipeline.items import CachedError, IndexResult, Reports, RewriteResult
from .pipeline.rewrite import MAX_SETTLE_ROUNDS, settle
from .source import Decoded

__all__ = [
    "CachedError", "Changeset", "Decoded", "IndexResult", "LIBCST_CANNOT_PARSE", "MAX_SETTLE_ROUNDS", "Reports",
    "RewriteResult", "SourceResult", "apply_to_source", "parse_python", "rewrite_module", "run", "run_phases",
    "settle", "verify", "word_matcher", "write_changes",
]
