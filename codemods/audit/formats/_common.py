"""Wording every format shares: severity labels, how a fix is described."""

from __future__ import annotations

from ...model import SEVERITIES, Finding

LABELS = {s: s.capitalize() for s in SEVERITIES}


def fix_text(f: Finding) -> str:
    """``lock-await (unsafe): moved ...`` / ``no automatic fix: <reason>`` / ``lock-await (unsafe)``."""
    fix = f.fix
    if fix is None:
        return "no automatic fix"
    if fix.available is True:
        return f"`codemod apply -t {fix.transform}` ({fix.safety}): {fix.note}"
    if fix.available is False:
        return f"{fix.transform} leaves it alone: {fix.note}" if fix.note else f"{fix.transform} leaves it alone"
    return f"`codemod apply -t {fix.transform}` ({fix.safety})"


def plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n} {word if n == 1 else (many or word + 's')}"


def summary_line(result) -> str:
    counts = result.counts()
    n = len(result.findings)
    files = len({f.path for f in result.findings})
    parts = [f"{counts[s]} {s}" for s in SEVERITIES if counts[s]]
    line = f"Found {plural(n, 'finding')}" + (f" ({', '.join(parts)})" if parts else "")
    line += f" in {plural(files, 'file')}; {plural(int(result.stats.get('files', 0)), 'file')} checked"
    fixable = [f for f in result.findings if f.fix is not None and f.fix.available]
    if fixable:
        safe = sum(1 for f in fixable if f.fix.safety == "safe")
        line += f"; {len(fixable)} fixable ({safe} safe, {len(fixable) - safe} unsafe)"
    if result.suppressed:
        line += f"; {len(result.suppressed)} suppressed"
    if result.baselined:
        line += f"; {len(result.baselined)} in the baseline"
    return line + "."
