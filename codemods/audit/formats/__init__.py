"""Report formats: every one renders the same :class:`~codemods.audit.run.AuditResult`.

=============  ====================================================================================
``text``       grouped by severity, colour only on a terminal (the default)
``markdown``   shaped like the seed audit: rubric, prioritised findings with file, impact and fix,
               a summary table
``json``       one document: findings, suppressed, summary, rules
``sarif``      SARIF 2.1.0 for GitHub code scanning and other viewers, with fixes where a transform
               has one
``github``     GitHub Actions workflow annotations (``::error file=...::message``)
=============  ====================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ..run import AuditResult


@dataclass(frozen=True)
class Options:
    color: bool = False
    show_suppressed: bool = False
    paths: tuple[str, ...] = ()  # what the user asked to audit (for the report's scope line)
    baseline: str = ""  # the baseline file in use, if any


Renderer = Callable[[AuditResult, Options], str]


def renderers() -> dict[str, Renderer]:
    from . import github, json_format, markdown, sarif, text

    return {
        "text": text.render, "markdown": markdown.render, "json": json_format.render, "sarif": sarif.render,
        "github": github.render,
    }


FORMATS = ("text", "markdown", "json", "sarif", "github")

__all__ = ["FORMATS", "Options", "renderers"]
