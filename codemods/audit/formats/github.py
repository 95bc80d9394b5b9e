"""``--format github``: GitHub Actions workflow commands, one annotation per finding.

    ::error file=svc/cache.py,line=79,col=17,endLine=79,endColumn=60,title=CM101 await-under-lock::message

Critical and High findings are errors, Medium ones warnings. Values are escaped as the Actions toolkit
does (``%``, CR, LF in messages; also ``:`` and ``,`` in properties).
"""

from __future__ import annotations

from ...model import MEDIUM
from ..run import AuditResult
from . import Options
from ._common import fix_text, summary_line


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(result: AuditResult, opts: Options) -> str:
    names = {r.id: r.name for r in result.rules}
    out = []
    for f in result.findings:
        level = "warning" if f.severity == MEDIUM else "error"
        props = [f"file={_prop(f.path)}", f"line={f.line}", f"col={f.col}"]
        if f.end_line:
            props += [f"endLine={f.end_line}", f"endColumn={f.end_col}"]
        title = f"{f.rule} {names.get(f.rule, '')}".strip()
        props.append(f"title={_prop(title)}")
        message = f"{f.message} [{f.severity}]\nImpact: {f.impact}\nFix: {fix_text(f)}"
        out.append(f"::{level} {','.join(props)}::{_data(message)}")
    out.append(f"::notice title=codemod audit::{_data(summary_line(result))}")
    return "\n".join(out) + "\n"
