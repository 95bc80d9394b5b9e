"""The pipeline: discover → prefilter → index → plan → rewrite → verify, one module per phase.

=================  ===============================================================================
``discover``       which files, read once (:class:`~.discover.Workspace`)
``prefilter``      which consumers want which file, from its bytes
``index``          one ``ast`` parse per file, every consumer's facts (transforms and audit rules)
``plan``           the whole-repository decisions: which files each transform rewrites
``rewrite``        LibCST applies the plans, only to the files in them; settles combined runs
``verify``         each output compiles, re-parses, and a second run changes nothing
``format``         a changed file that was clean under the project's formatter is formatted again
``run``            the phases in sequence (``run``, ``run_phases``, ``run_workspace``)
``single``         one source text alone (``apply_to_source``)
``items``          the typed work items that cross process boundaries
``store``          the facts cache, keyed by content hash
``executors/``     how per-file phases run: serial, process pool, dask.distributed
=================  ===============================================================================

Per-file work crosses a process boundary as plain data: a :class:`~.items.SourceFile` in, facts or a
:class:`~.items.RewriteResult` out. The plan is the only phase that sees the whole repository.
"""

from __future__ import annotations

from .discover import Workspace
from .index import Index, Indexer
from .items import SourceFile
from .passes import LIBCST_CANNOT_PARSE, parse_python, rewrite_module
from .prefilter import word_matcher
from .run import RunResult, run, run_phases, run_workspace
from .single import SourceResult, apply_to_source
from .verify import verify

__all__ = [
    "Index", "Indexer", "LIBCST_CANNOT_PARSE", "RunResult", "SourceFile", "SourceResult", "Workspace",
    "apply_to_source", "parse_python", "rewrite_module", "run", "run_phases", "run_workspace", "verify",
    "word_matcher",
]
