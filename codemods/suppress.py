"""`# codemod: ignore` comments, honoured by `codemod apply` and `codemod audit` alike.

    await self.notify(key)  # codemod: ignore[lock-await]
    time.sleep(0.1)         # codemod: ignore[CM201]  (an audit rule id)
    await cb()              # codemod: ignore          (every transform and rule)

A comment applies to the line it is on, as ruff's ``# noqa`` does. Only real comments count (found with
:mod:`tokenize`), never the same text inside a string.
"""

from __future__ import annotations

import io
import re
import tokenize
from typing import Iterable, Mapping

_DIRECTIVE = re.compile(r"#\s*codemod:\s*ignore(?:\[(?P<codes>[^\]]*)\])?", re.IGNORECASE)

# line -> the codes it suppresses (transform names and rule ids, lower-cased), or None for all of them
Suppressions = Mapping[int, "frozenset[str] | None"]


def parse(text: str) -> dict[int, frozenset[str] | None]:
    """The suppression comments of a source text, by 1-based line."""
    if "codemod" not in text:  # the cheap test first: almost no file has one
        return {}
    found: dict[int, frozenset[str] | None] = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type != tokenize.COMMENT:
                continue
            m = _DIRECTIVE.search(tok.string)
            if not m:
                continue
            line = tok.start[0]
            codes = m.group("codes")
            if codes is None or not codes.strip():
                found[line] = None
                continue
            new = frozenset(c.strip().lower() for c in codes.split(",") if c.strip())
            old = found.get(line, frozenset())
            found[line] = None if old is None else old | new
    except (tokenize.TokenError, SyntaxError, IndentationError):
        pass  # a file that does not tokenize is reported elsewhere; what was found so far holds
    return found


def suppresses(suppressions: Suppressions, line: int, codes: Iterable[str]) -> bool:
    """Whether ``line`` carries a suppression for any of ``codes`` (a transform name, rule ids)."""
    if line not in suppressions:
        return False
    listed = suppressions[line]
    if listed is None:
        return True
    return any(c.lower() in listed for c in codes)


__all__ = ["Suppressions", "parse", "suppresses"]
