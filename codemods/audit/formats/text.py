"""``--format text``: findings grouped by severity, most severe first; colour only on a terminal."""

from __future__ import annotations

import click

from ...model import CRITICAL, HIGH, SEVERITIES
from ..run import AuditResult
from . import Options
from ._common import LABELS, fix_text, summary_line

_COLORS = {CRITICAL: "red", HIGH: "yellow"}


def render(result: AuditResult, opts: Options) -> str:
    def style(text: str, **kw) -> str:
        return click.style(text, **kw) if opts.color else text

    out: list[str] = []
    for severity in SEVERITIES:
        group = [f for f in result.findings if f.severity == severity]
        if not group:
            continue
        out.append(style(f"{LABELS[severity]} ({len(group)})", fg=_COLORS.get(severity, "cyan"), bold=True))
        for f in group:
            where = style(f"{f.path}:{f.line}:{f.col}:", bold=True)
            out.append(f"  {where} {style(f.rule, fg=_COLORS.get(severity, 'cyan'))} {f.message}")
            out.append(f"      fix: {fix_text(f)}")
        out.append("")
    if opts.show_suppressed and result.suppressed:
        out.append(style(f"Suppressed ({len(result.suppressed)})", dim=True, bold=True))
        for f in result.suppressed:
            out.append(style(f"  {f.path}:{f.line}:{f.col}: {f.rule} {f.message}", dim=True))
        out.append("")
    line = summary_line(result)
    if result.suppressed and not opts.show_suppressed:
        line = line[:-1] + " (--show-suppressed lists them)."
    out.append(line)
    if not result.findings:
        out[-1] = out[-1].replace("Found 0 findings in 0 files", "No findings", 1)
    return "\n".join(out) + "\n"
