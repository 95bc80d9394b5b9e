"""`codemod audit`: async hazards ranked by severity, each linked to the transform that fixes it.

- :mod:`.rules` — one module per rule (``CM101`` ...), functions over one file's ``ast`` index
- :mod:`.run` — the audit as a pipeline run (rules in the index phase, fixes checked by a dry rewrite)
- :mod:`.baseline` — today's findings recorded, so that later runs fail only on new ones
- :mod:`.formats` — text, markdown, json, sarif, github: each renders the same findings
"""

from .run import AuditResult, audit, select_rules

__all__ = ["AuditResult", "audit", "select_rules"]
