"""``--format markdown``: a report shaped like the seed audit (``shared/seeds/000_...``).

Title and scope; the audit rubric (what every module was reviewed for); the findings, prioritised
Critical / High / Medium, each rule once with its impact and each finding with its file, function and
fix (or the reason no transform can fix it); a summary table; the fixes to apply next.
"""

from __future__ import annotations

import datetime
import os

from ... import __version__
from ...model import SAFE, SEVERITIES, Finding
from ..run import AuditResult
from . import Options
from ._common import LABELS, plural

RUBRIC = [
    ("Blocking calls on the event loop (`time.sleep`, blocking I/O, subprocesses in async paths)", ("CM201",)),
    ("Awaiting external work while holding locks", ("CM101",)),
    ("Cancellation and timeout propagation", ("CM204", "CM205")),
    ("Task ownership and lifetimes (spawned tasks nobody owns)", ("CM203",)),
    ("Scheduling fairness hazards (loops that never yield, arms that repeat a suspension)", ("CM304", "CM302")),
    ("Sync primitives in async-facing paths", ("CM202",)),
    ("Coroutine overhead (`async def` that never awaits, pure delegations)", ("CM301", "CM303")),
]


def _fix_line(f: Finding) -> str:
    fix = f.fix
    if fix is None:
        return "no automatic fix"
    if fix.available is True:
        why = f" ({fix.why})" if fix.why and fix.safety != SAFE else ""
        return f"`codemod apply --transform {fix.transform}`, {fix.safety}{why}: {fix.note}"
    if fix.available is False:
        return f"stays ({fix.transform} leaves it alone): {fix.note}"
    return f"`codemod apply --transform {fix.transform}` ({fix.safety})"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(result: AuditResult, opts: Options) -> str:
    rules = {r.id: r for r in result.rules}
    name = os.path.basename(result.root.rstrip("/")) or result.root
    scope = ", ".join(f"`{p}`" for p in opts.paths) if opts.paths else "the repository"
    files = int(result.stats.get("files", 0))
    out = [
        f"# {name}: async audit",
        "",
        f"Date: {datetime.date.today().isoformat()}  ",
        f"Scope: {scope} ({plural(files, 'Python file')}), `codemod audit` {__version__}",
        "",
        "## Audit rubric",
        "",
        "Each module was reviewed for:",
    ]
    selected = set(rules)
    for text, ids in RUBRIC:
        ids = [i for i in ids if i in selected]
        if ids:
            out.append(f"- {text} ({', '.join(ids)})")
    out += ["", "## Findings (prioritized)", ""]
    if not result.findings:
        out += ["No findings.", ""]
    number = 0
    for severity in SEVERITIES:
        group = [f for f in result.findings if f.severity == severity]
        if not group:
            continue
        out += [f"### {LABELS[severity]}", ""]
        for rid in sorted({f.rule for f in group}):
            items = [f for f in group if f.rule == rid]
            rule = rules[rid]
            number += 1
            out.append(f"{number}. **{rule.summary.rstrip('.')}** ({rid} `{rule.name}`, {plural(len(items), 'finding')})")
            out.append(f"   - Impact: {rule.impact}")
            for f in items:
                where = f"`{f.path}:{f.line}`" + (f" in `{f.function}`" if f.function else "")
                out.append(f"   - File: {where}: {f.message}")
                out.append(f"     - Fix: {_fix_line(f)}")
            out.append("")
    out += ["## Summary", "", "| severity | rule | findings | fixed by a transform (safe / unsafe) | stay, with the reason |", "|---|---|---|---|---|"]
    for severity in SEVERITIES:
        for rid in sorted(r for r in rules if rules[r].severity == severity):
            items = [f for f in result.findings if f.rule == rid]
            if not items:
                continue
            fixed = [f for f in items if f.fix is not None and f.fix.available]
            safe = sum(1 for f in fixed if f.fix.safety == SAFE)
            stay = len(items) - len(fixed)
            out.append(
                f"| {LABELS[severity]} | {rid} `{rules[rid].name}` | {len(items)} | "
                f"{len(fixed)} ({safe} / {len(fixed) - safe}) | {stay} |"
            )
    counts = result.counts()
    total = " · ".join(f"{LABELS[s]}: {counts[s]}" for s in SEVERITIES)
    out += ["", f"Total: {plural(len(result.findings), 'finding')} ({total}) in {plural(len({f.path for f in result.findings}), 'file')}."]
    if result.suppressed:
        out.append(f"Suppressed with `# codemod: ignore`: {len(result.suppressed)}.")
    if result.baselined:
        out.append(f"Already in the baseline: {len(result.baselined)}.")
    if result.errors:
        out.append(f"Files that could not be audited: {len(result.errors)} ({', '.join(f'`{e.path}`' for e in result.errors[:5])}).")
    fixers: dict[tuple[str, str], int] = {}
    for f in result.findings:
        if f.fix is not None and f.fix.available:
            fixers[(f.fix.transform, f.fix.safety)] = fixers.get((f.fix.transform, f.fix.safety), 0) + 1
    if fixers:
        out += ["", "## Next batch (recommended)", ""]
        for (transform, safety), n in sorted(fixers.items(), key=lambda kv: (kv[0][1] != SAFE, kv[0][0])):
            review = "review each change: " if safety != SAFE else ""
            out.append(f"- `codemod apply --transform {transform} --dry-run {' '.join(opts.paths) or '.'}`: {review}{plural(n, 'finding')} ({safety})")
        stays = len(result.findings) - sum(fixers.values())
        if stays:
            out.append(f"- {plural(stays, 'finding')} with no automatic fix: each says why above")
    if result.suppressed and opts.show_suppressed:
        out += ["", "## Suppressed", ""]
        for f in result.suppressed:
            out.append(f"- `{f.path}:{f.line}` {f.rule}: {_cell(f.message)}")
    return "\n".join(out) + "\n"
