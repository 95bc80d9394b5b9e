"""What every part of the tool reports: changes (with their fix safety), skips and suppressions.

These are plain, frozen, picklable values: they travel back from worker processes, are cached, and are
rendered by every way out (the terminal, JSON, patches, pull request bodies, audit reports).

Fix safety, as ruff defines it:

``safe``
    The program's behaviour is provably unchanged (await-free with every use seen and rewritten, a hoist
    that keeps the order of evaluation). Blanket runs (`--transform all`, `select` from the
    configuration, the pre-commit hook, the bot) apply these.
``unsafe``
    Timing or lifetime changes by design (a callback now runs after the lock is released, a task is
    cancelled when its scope ends, a call moves to a thread). Applied when the transform is named on the
    command line, or with `--unsafe-fixes`; otherwise held back and counted.

Below both levels: what a transform cannot prove keeps the code's intent is not a fix at all, but a
:class:`Skip` with a reason that names the pattern.
"""

from __future__ import annotations

from dataclasses import dataclass

SAFE = "safe"
UNSAFE = "unsafe"
SAFETY_LEVELS = (SAFE, UNSAFE)


@dataclass(frozen=True, order=True)
class Skip:
    """A candidate left alone, with the reason a reviewer needs."""

    path: str
    line: int
    col: int
    transform: str
    reason: str

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.transform}: {self.reason}"


@dataclass(frozen=True, order=True)
class Change:
    """One rewrite, as it is reported, reviewed and explained in a pull request body.

    ``line``/``col`` are 1-based line and 1-based column in the file *before* the rewrite;
    ``end_line``/``end_col`` close the span when the transform knows it (0 when not).
    ``unit`` groups changes that only make sense together (a converted definition and its call sites, an
    import and the code that uses it): interactive review accepts or declines a unit as a whole. Changes
    with an empty unit are each their own unit.
    """

    path: str
    line: int
    col: int
    transform: str
    message: str
    safety: str = SAFE
    why: str = ""  # why this fix has its safety level (shown to reviewers for unsafe fixes)
    unit: str = ""
    end_line: int = 0
    end_col: int = 0

    def __post_init__(self) -> None:
        if self.safety not in SAFETY_LEVELS:
            raise ValueError(f"fix safety must be one of {SAFETY_LEVELS}, not {self.safety!r}")

    def format(self) -> str:
        mark = " [unsafe]" if self.safety == UNSAFE else ""
        return f"{self.path}:{self.line}:{self.col}: {self.transform}{mark}: {self.message}"

    def to_json(self) -> dict:
        return {
            "path": self.path, "line": self.line, "col": self.col,
            "end_line": self.end_line or self.line, "end_col": self.end_col or self.col,
            "transform": self.transform, "message": self.message,
            "safety": self.safety, "why": self.why, "unit": self.unit,
        }


__all__ = ["Change", "SAFE", "SAFETY_LEVELS", "Skip", "UNSAFE"]
