"""The engine's public face, kept for the code that imports it: the pipeline lives in
:mod:`codemods.pipeline` (one module per phase). ``write_changes`` is the delivery step the CLI uses.
"""

from __future__ import annotations

import os

from .changeset import Changeset, FileChange, FileError
from .pipeline import (
    LIBCST_CANNOT_PARSE, SourceResult, apply_to_source, parse_python, rewrite_module, run, run_phases, verify,
    word_matcher,
)
from .pipeline.items import CachedError, IndexResult, Reports, RewriteResult
from .pipeline.rewrite import MAX_SETTLE_ROUNDS, settle
from .source import Decoded


def write_changes(cs: Changeset, files: list[FileChange] | None = None) -> list[FileChange]:
    """Write files atomically; a file that changed or vanished since it was read is reported, not written."""
    from .source import write_atomic

    written = []
    for fc in files if files is not None else cs.files:
        full = os.path.join(cs.root, fc.path)
        try:
            with open(full, "rb") as fh:
                now = fh.read()
        except FileNotFoundError:
            cs.errors.append(FileError(fc.path, "vanished during the run: not written"))
            continue
        if now != fc.old_bytes:
            cs.errors.append(FileError(fc.path, "changed on disk during the run: not written"))
            continue
        write_atomic(full, fc.new_bytes)
        written.append(fc)
    return written


__all__ = [
    "CachedError", "Changeset", "Decoded", "IndexResult", "LIBCST_CANNOT_PARSE", "MAX_SETTLE_ROUNDS", "Reports",
    "RewriteResult", "SourceResult", "apply_to_source", "parse_python", "rewrite_module", "run", "run_phases",
    "settle", "verify", "word_matcher", "write_changes",
]
