"""Phase 6, verify: a transform's output is kept only when it is sound.

It compiles, LibCST parses it again (so that the next run can read it), and, for a single-file
transform, a second run changes nothing. The second run is a whole pass of the transform over the new
text, but it costs an ``ast`` parse and the transform's index when its prefilter, index or plan say
there is nothing left to do: LibCST sees the text again only when there is work.
"""

from __future__ import annotations

import warnings

import libcst as cst

from ..transforms.base import Transform
from .passes import Memo, single_file_pass


def verify(
    transform: Transform, new_text: str, path: str, module: str = "", is_package: bool = False, memo: Memo | None = None
) -> str | None:
    """None if the output is sound: it parses, compiles, and (single-file transforms) is a fixpoint.

    With a ``memo`` (one file's rewrite), the ``ast`` tree compiled here is the one the second run
    indexes, and the LibCST module parsed here is the one it rewrites: each is made once."""
    memo = memo or Memo(2)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(memo.tree(new_text, path), path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return f"output does not compile ({exc})"
    try:
        memo.module(new_text)
    except cst.ParserSyntaxError as exc:
        return f"output does not re-parse with LibCST ({str(exc).splitlines()[0]})"
    if transform.cross_file:
        return None  # idempotence needs the whole repository: the golden tests check it
    again = single_file_pass(transform, new_text, path, module, is_package, memo=memo)
    if isinstance(again, str):
        return f"second run failed: {again}"
    if again is not None and again[0] != new_text:
        return "a second run changes the output again (not idempotent)"
    return None
