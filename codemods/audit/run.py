"""`codemod audit` as a run of the pipeline: the rules read the index phase's one ``ast`` parse.

    discover ─► prefilter ─► index (rules + the fixing transforms' facts, one parse) ─► plan ─►
    rewrite (LibCST, only files with a fixable finding, nothing written) ─► findings joined with fixes

The rules run as an index consumer (:class:`RuleIndexer`): their findings are plain data, computed in
worker processes and cached by content hash like any transform's facts. A finding whose rule names a
fixing transform is then checked against that transform's dry run on the same file: the change that
fixes it (with its safety, and the edits, for SARIF) or the skip that says why it stays. Only files
with such a finding get a LibCST parse.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import os
import time
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Optional, Sequence

from .. import suppress
from ..changeset import FileError
from ..config import Config
from ..model import SEVERITIES, Finding
from ..source import decode, split_lines
from ..transforms import registry as transform_registry
from ..transforms.base import SourceInfo, Transform
from .rules import Rule, check_file, registry

_PREFILTER = (b"async", b"create_task", b"ensure_future")


def _dependency_digest() -> str:
    """The code the rules' findings depend on outside codemods/audit (the store fingerprints that folder)."""
    from ..transforms import _shared
    from ..transforms.blocking_offload import facts

    digest = hashlib.sha1()
    for module in (_shared, facts):
        folder = os.path.dirname(os.path.abspath(module.__file__ or ""))
        for name in sorted(os.listdir(folder)):
            if name.endswith(".py"):
                with open(os.path.join(folder, name), "rb") as fh:
                    digest.update(name.encode() + b"\0" + fh.read())
    return digest.hexdigest()[:12]


@dataclass(frozen=True)
class FileFindings:
    """One file's findings, as the index phase returns them (plain data)."""

    findings: tuple[Finding, ...] = ()
    suppressed: tuple[Finding, ...] = ()


class RuleIndexer:
    """The audit rules as a consumer of the pipeline's index phase."""

    name = "audit"

    def __init__(self, rule_ids: Sequence[str]) -> None:
        self.rule_ids = tuple(rule_ids)
        reg = registry()
        self.rules = [reg[r] for r in self.rule_ids]
        self.options = {"rules": list(self.rule_ids)}
        self.version = "1-" + _dependency_digest()

    def wants(self, data: bytes) -> bool:
        return any(p in data for p in _PREFILTER)

    def index(self, src: SourceInfo, tree: ast.Module) -> Optional[FileFindings]:
        found = check_file(src, tree, self.rules)
        if not found:
            return None
        marks = suppress.parse(src.text)
        kept, muted = [], []
        for f in found:
            r = registry()[f.rule]
            codes = [r.id, r.name] + ([r.fixed_by] if r.fixed_by else [])
            (muted if suppress.suppresses(marks, f.line, codes) else kept).append(f)
        return FileFindings(tuple(kept), tuple(muted))

    def __reduce__(self):
        return (RuleIndexer, (self.rule_ids,))


@dataclass
class AuditResult:
    root: str
    rules: list[Rule]
    findings: list[Finding] = field(default_factory=list)  # reported
    suppressed: list[Finding] = field(default_factory=list)  # by a `# codemod: ignore` comment
    baselined: list[Finding] = field(default_factory=list)  # known from the baseline file
    errors: list[FileError] = field(default_factory=list)
    notices: list[FileError] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    fixes_checked: bool = False

    def counts(self) -> dict[str, int]:
        return {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES}


def select_rules(select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Rule]:
    """Rules by id, id prefix (``CM2``), name or severity, as ruff's --select/--ignore (default: all)."""
    reg = registry()

    def matching(key: str) -> list[Rule]:
        k = key.strip()
        if not k:
            return []
        if k.lower() in SEVERITIES:
            return [r for r in reg.values() if r.severity == k.lower()]
        if k.upper() == "ALL":
            return list(reg.values())
        hits = [r for r in reg.values() if r.id.startswith(k.upper()) or r.name == k.lower()]
        if not hits:
            raise ValueError(f"no audit rule, id prefix or severity {key!r} (rules: {', '.join(reg)})")
        return hits

    chosen = [r for key in select for r in matching(key)] if select else list(reg.values())
    dropped = {r.id for key in ignore for r in matching(key)}
    return sorted({r.id: r for r in chosen if r.id not in dropped}.values(), key=lambda r: r.id)


def audit(
    paths: Sequence[str],
    rules: Sequence[Rule] | None = None,
    *,
    config: Config | None = None,
    jobs: int | None = None,
    root: str | None = None,
    cache_dir: str | None = None,
    check_fixes: bool = True,
    executor=None,
    progress=None,
) -> AuditResult:
    """Audit the files under ``paths``: findings (ranked), suppressed findings, errors.

    ``check_fixes``: run each fixing transform (dry, nothing written) on the files with its findings,
    to say for each finding whether it is fixed, and how, or why not."""
    from ..pipeline import discover, executors, index
    from ..pipeline.store import FactsCache

    started = time.perf_counter()
    config = config or Config()
    rules = list(rules) if rules is not None else list(registry().values())
    indexer = RuleIndexer([r.id for r in rules])
    transforms = _fixers(rules, config) if check_fixes else []
    root, in_git = discover.locate(paths, root)
    found = discover.find(paths, config, root, in_git, whole_repository=any(t.cross_file for t in transforms))
    ws = discover.read(found)
    for t in transforms:
        t.editable = None if ws.whole else frozenset(ws.scope)
    result = AuditResult(root=ws.root, rules=rules, fixes_checked=check_fixes)
    result.errors.extend(ws.errors)
    result.notices.extend(ws.notices)
    owned = executor is None
    ex = executors.make("process", jobs or config.jobs or os.cpu_count() or 1) if owned else executor
    store = FactsCache(cache_dir)
    try:
        idx = index.run(ws, [*transforms, indexer], ex, store, progress)
        t_index = time.perf_counter()
        for path, message in idx.failed.items():
            if path in ws.scope:
                result.errors.append(FileError(path, message))
        per_file: dict[str, FileFindings] = {p: f for p, f in idx.facts.get(indexer.name, {}).items() if p in ws.scope}
        findings = [f for ff in per_file.values() for f in ff.findings]
        result.suppressed = sorted((f for ff in per_file.values() for f in ff.suppressed), key=Finding.sort_key)
        if transforms:
            findings = _join_fixes(ws, idx, transforms, findings, ex, progress, result, store)
        t_fix = time.perf_counter()
        store.save()
    finally:
        if owned:
            ex.close()
        store.close()
    result.findings = sorted(findings, key=Finding.sort_key)
    result.stats = {
        **result.stats,
        "files": len(ws.scope), "indexed": idx.indexed, "cache_hits": idx.cache_hits,
        "index_s": round(t_index - started, 3), "fixes_s": round(t_fix - t_index, 3),
        "total_s": round(time.perf_counter() - started, 3),
    }
    return result


def _fixers(rules: Sequence[Rule], config: Config) -> list[Transform]:
    reg = transform_registry()
    out = []
    for name in dict.fromkeys(r.fixed_by for r in rules if r.fixed_by):
        if name not in reg:
            continue
        t = reg[name](config.transform_options.get(name, {}))
        t.allow_unsafe = True  # a dry run: every fix is looked at, nothing is written
        out.append(t)
    return out


def _join_fixes(ws, idx, transforms, findings: list[Finding], ex, progress, result: AuditResult, store=None) -> list[Finding]:
    """Each finding with what its fixing transform does with it (a dry run on the files concerned).
    With the ``store``, plans and per-file outcomes of an earlier audit of the same bytes are reused."""
    from ..pipeline import plan, rewrite

    by_transform: dict[str, set[str]] = {}
    for f in findings:
        if f.fix is not None:
            by_transform.setdefault(f.fix.transform, set()).add(f.path)
    plans = plan.run(ws, transforms, idx, store)
    changes: dict[tuple[str, str], list] = {}
    skips: dict[tuple[str, str], list] = {}
    texts: dict[str, tuple[str, dict[str, str]]] = {}
    for s in plans.skips:
        skips.setdefault((s.transform, s.path), []).append(s)
    for t in transforms:
        wanted = by_transform.get(t.name, set())
        work = {p: [st for st in steps if st.transform is t] for p, steps in plans.work.items() if p in wanted}
        work = {p: steps for p, steps in work.items() if steps}
        if not work:
            continue
        for res in rewrite.run(ws, work, [t], ex, progress, store, idx.fingerprints):
            result.stats["fixes_reused"] = result.stats.get("fixes_reused", 0) + int(res.reused)
            result.stats["fixes_checked_files"] = result.stats.get("fixes_checked_files", 0) + 1
            for c in res.changes:
                changes.setdefault((c.transform, c.path), []).append(c)
            for s in res.skips:
                skips.setdefault((s.transform, s.path), []).append(s)
            for c in res.suppressed:
                skips.setdefault((c.transform, c.path), [])
            if res.new_text is not None:
                texts.setdefault(res.path, ("", {}))[1][t.name] = res.new_text
            for kind, message in res.errors:
                if kind == "internal":
                    result.notices.append(FileError(res.path, f"checking fixes: {message}", "notice"))
    out = []
    spans: dict[str, dict[str, tuple[int, int]]] = {}
    for f in findings:
        if f.fix is None or f.fix.transform not in {t.name for t in transforms} or f.fix.available is False:
            out.append(f)
            continue
        key = (f.fix.transform, f.path)
        last = max(f.end_line, f.line)
        hit = next((c for c in changes.get(key, []) if f.line <= c.line <= last), None)
        if hit is not None:
            new_text = texts.get(f.path, ("", {}))[1].get(f.fix.transform)
            edits: tuple = ()
            if new_text is not None:
                if f.path not in spans:
                    spans[f.path] = _function_spans(ws.files[f.path].data)
                edits = _edits(ws.files[f.path].data, new_text, spans[f.path].get(f.function, (f.line, last)))
            fix = replace(f.fix, available=True, note=hit.message, safety=hit.safety, why=hit.why, edits=edits)
        else:
            skip = next((s for s in skips.get(key, []) if f.line <= s.line <= last), None)
            if skip is not None:
                fix = replace(f.fix, available=False, note=skip.reason)
            else:
                fix = replace(f.fix, available=False, note=f"`{f.fix.transform}` leaves it unchanged")
        out.append(replace(f, fix=fix))
    return out


def _function_spans(data: bytes) -> dict[str, tuple[int, int]]:
    """Qualified function name → (first line, last line) of its top-level enclosing definition."""
    from ..transforms._shared.ast_index import AstIndex

    try:
        tree = ast.parse(decode(data).text)
    except (SyntaxError, ValueError, Exception):
        return {}
    index = AstIndex(tree)
    spans = {}
    for node, fn in index.functions.items():
        top = fn
        while top.parent is not None:
            top = top.parent
        first = min([top.node.lineno, *(d.lineno for d in top.node.decorator_list)])
        spans[fn.qualname] = (first, top.node.end_lineno or top.node.lineno)
    return spans


def _edits(data: bytes, new_text: str, span: tuple[int, int]) -> tuple[tuple[int, int, int, int, str], ...]:
    """The replacements (whole lines) turning the file into ``new_text`` within ``span``, plus those before
    the first definition (imports the fix adds)."""
    old = split_lines(decode(data).text)
    new = split_lines(new_text)
    out = []
    first, last = span
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        inside = i1 + 1 <= last and max(i2, i1 + 1) >= first
        header = i2 < first and _only_imports(new[j1:j2] + old[i1:i2])
        if inside or header:
            out.append((i1 + 1, 1, i2 + 1, 1, "".join(new[j1:j2])))
    return tuple(out)


def _only_imports(lines: list[str]) -> bool:
    return all(line.strip() == "" or line.lstrip().startswith(("import ", "from ")) for line in lines)


__all__ = ["AuditResult", "FileFindings", "RuleIndexer", "audit", "select_rules"]
