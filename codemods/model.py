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


# audit severities, most severe first (the seed audit's ranking)
CRITICAL = "critical"
HIGH = "high"
MEDIUM = "medium"
SEVERITIES = (CRITICAL, HIGH, MEDIUM)


@dataclass(frozen=True)
class Fix:
    """How a finding is fixed: the transform that fixes its kind, and what it does with this one.

    ``available`` is True when the transform rewrites this very finding (``note`` is its change message),
    False when it leaves it alone (``note`` is the skip's reason: why it cannot move), None when not
    checked. ``edits`` are the replacements the fix makes, for SARIF: (line, col, end_line, end_col, text),
    1-based, the end exclusive.
    """

    transform: str
    safety: str  # SAFE or UNSAFE: the level of this transform's fix for this kind of finding
    available: bool | None = None
    note: str = ""
    why: str = ""  # why the fix has its safety level
    edits: tuple[tuple[int, int, int, int, str], ...] = ()

    def to_json(self) -> dict:
        return {
            "transform": self.transform, "safety": self.safety, "available": self.available, "note": self.note,
            "why": self.why,
        }


@dataclass(frozen=True)
class Finding:
    """One hazard `codemod audit` reports; every output format renders this one type.

    ``line``/``col`` are 1-based (as ``Change``); ``end_line``/``end_col`` close the span (the end column
    exclusive). ``function`` is the enclosing function's qualified name ("" at module level).
    ``fingerprint`` identifies the finding across edits elsewhere in the file (rule, path, enclosing
    function, a hash of the normalised statement, and its rank among identical ones), never by line:
    baselines and SARIF's ``partialFingerprints`` use it.
    """

    path: str
    line: int
    col: int
    rule: str  # stable id: "CM101"
    severity: str  # CRITICAL, HIGH or MEDIUM
    message: str
    end_line: int = 0
    end_col: int = 0
    impact: str = ""
    fix: Fix | None = None
    function: str = ""
    fingerprint: str = ""

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {SEVERITIES}, not {self.severity!r}")

    def sort_key(self) -> tuple:
        return (SEVERITIES.index(self.severity), self.path, self.line, self.col, self.rule)

    def format(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.rule} [{self.severity}] {self.message}"

    def to_json(self) -> dict:
        return {
            "rule": self.rule, "severity": self.severity, "path": self.path, "line": self.line, "col": self.col,
            "end_line": self.end_line or self.line, "end_col": self.end_col or self.col,
            "function": self.function, "message": self.message, "impact": self.impact,
            "fix": self.fix.to_json() if self.fix else None, "fingerprint": self.fingerprint,
        }


__all__ = [
    "CRITICAL", "Change", "Finding", "Fix", "HIGH", "MEDIUM", "SAFE", "SAFETY_LEVELS", "SEVERITIES", "Skip", "UNSAFE",
]
