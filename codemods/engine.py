"""discover → prefilter → index → plan → rewrite → verify.

Per-file work (index, rewrite) runs in worker processes when there is enough of it; what crosses a
process boundary is plain data: bytes in, facts / new text / changes / skips out. The plan is the only
step that sees the whole repository.
"""

from __future__ import annotations

import ast
import os
import re
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

import libcst as cst

from .cache import MISS, FactsCache, fingerprint
from .changeset import Changeset, FileChange, FileError
from .config import Config
from .discover import discover, find_root, module_name
from . import suppress
from .source import Decoded, SourceError, decode
from .transforms.base import Change, Plan, RewriteContext, Skip, SourceInfo, Transform

# below these counts, a process pool costs more than it saves
PARALLEL_INDEX_MIN_FILES = 64
PARALLEL_REWRITE_MIN_FILES = 4

Progress = Callable[[str, int, int], None]  # (phase, done, total)


# --------------------------------------------------------------------------------------------
# per-file steps (top-level functions: they run in worker processes)


@dataclass(frozen=True)
class CachedError:
    message: str


@dataclass
class IndexResult:
    path: str
    facts: dict[str, Any] = field(default_factory=dict)  # transform name -> facts (only non-empty)
    error: str | None = None


def parse_python(text: str, path: str) -> ast.Module:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences etc. are not ours to report
        return ast.parse(text, filename=path)


def _index_one(item: tuple[str, str, bool, bytes, Sequence[Transform]]) -> IndexResult:
    path, module, is_package, data, transforms = item
    result = IndexResult(path)
    try:
        decoded = decode(data)
        tree = parse_python(decoded.text, path)
    except SourceError as exc:
        result.error = str(exc)
        return result
    except SyntaxError as exc:
        result.error = f"does not parse: {exc.msg} (line {exc.lineno})"
        return result
    except (ValueError, RecursionError, MemoryError) as exc:
        result.error = f"does not parse: {exc}"
        return result
    src = SourceInfo(path=path, module=module, is_package=is_package, text=decoded.text)
    for t in transforms:
        try:
            facts = t.index(src, tree)
        except Exception as exc:  # a bug in a transform must not stop the run
            result.error = f"internal error in {t.name} while indexing: {type(exc).__name__}: {exc}"
            return result
        if facts:
            result.facts[t.name] = facts
    return result


@dataclass
class RewriteResult:
    path: str
    new_text: str | None = None  # None: unchanged
    changes: list[Change] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)  # (kind, message)
    held: list[Change] = field(default_factory=list)  # unsafe fixes not applied in this run
    suppressed: list[Change] = field(default_factory=list)  # fixes declined by `# codemod: ignore`


RewriteItem = tuple[str, str, bool, bytes, Sequence[tuple[Transform, Any]], Sequence[Transform]]


def _rewrite_one(item: RewriteItem) -> RewriteResult:
    try:
        return _rewrite_file(item)
    except RecursionError:  # LibCST's code generation and visitors recurse on very deep expressions
        return RewriteResult(item[0], errors=[("error", "nested too deeply for LibCST (recursion limit): left unchanged")])


def _rewrite_file(item: RewriteItem) -> RewriteResult:
    path, module_dotted, is_package, data, steps, selected = item
    result = RewriteResult(path)
    try:
        decoded = decode(data)
        module = cst.parse_module(decoded.text)
    except SourceError as exc:
        result.errors.append(("error", str(exc)))
        return result
    except (cst.ParserSyntaxError, SyntaxError) as exc:
        result.errors.append(("error", f"{LIBCST_CANNOT_PARSE}: {str(exc).splitlines()[0]}"))
        return result
    original = decoded.text
    current = original
    for transform, file_plan in steps:
        outcome = rewrite_module(transform, module, file_plan, path, suppress.parse(current))
        if isinstance(outcome, str):
            result.errors.append(("internal", outcome))
            continue
        new_module, ctx = outcome
        result.skips.extend(ctx.skips)
        result.held.extend(ctx.held)
        result.suppressed.extend(ctx.suppressed)
        new_text = new_module.code
        if new_text == current:
            continue
        problem = verify(transform, new_text, path, module_dotted, is_package)
        if problem:
            result.errors.append(("internal", f"{transform.name}: {problem}; its changes to this file were dropped"))
            continue
        result.changes.extend(ctx.changes)
        module, current = new_module, new_text
    if current != original:
        current, more, problems, reports = settle(
            selected, current, path, module_dotted, is_package, Reports(result.skips, result.held, result.suppressed)
        )
        result.skips, result.held, result.suppressed = reports.skips, reports.held, reports.suppressed
        result.changes.extend(more)
        result.errors.extend(("internal", p) for p in problems)
        result.new_text = current
    return result


MAX_SETTLE_ROUNDS = 3


@dataclass
class Reports:
    """What rewriting a file reported besides its changes: skips, held-back and suppressed fixes."""

    skips: list[Skip] = field(default_factory=list)
    held: list[Change] = field(default_factory=list)
    suppressed: list[Change] = field(default_factory=list)

    def add(self, ctx: RewriteContext) -> None:
        self.skips.extend(ctx.skips)
        self.held.extend(ctx.held)
        self.suppressed.extend(ctx.suppressed)

    def replacing(self, names: set[str], final: "Reports") -> "Reports":
        """These reports with the transforms in ``names`` reporting ``final``'s instead."""
        def keep(items):
            return [x for x in items if x.transform not in names]
        return Reports(keep(self.skips) + final.skips, keep(self.held) + final.held, keep(self.suppressed) + final.suppressed)


def settle(
    transforms: Sequence[Transform], text: str, path: str, module: str, is_package: bool, reports: Reports
) -> tuple[str, list[Change], list[str], Reports]:
    """Run the single-file transforms again on a changed file until none changes it.

    One transform's output can give another work: match-hoist makes one await out of an if/else inside
    a lock block, which lock-await then moves; lock-await can leave an arm ending in an await that
    match-hoist then hoists. Without this, a second `codemod apply -t all` would change the file again.
    Returns the text, the further changes, problems, and ``reports`` (the first pass's) with the
    single-file transforms' ones replaced by the final pass's when a further pass changed the file.
    """
    singles = [t for t in transforms if not t.cross_file]
    changes: list[Change] = []
    problems: list[str] = []
    if len(singles) < 2:
        return text, changes, problems, reports  # one transform alone is a fixpoint: verify() checked it
    settled = False
    for _ in range(MAX_SETTLE_ROUNDS):
        changed = False
        final = Reports()
        for t in singles:
            outcome = _single_file_pass(t, text, path, module, is_package)
            if outcome is None:
                continue
            if isinstance(outcome, str):
                problems.append(outcome)
                continue
            new_text, ctx = outcome
            final.add(ctx)
            if new_text == text:
                continue
            problem = verify(t, new_text, path, module, is_package)
            if problem:
                problems.append(f"{t.name}: {problem}; its further changes to this file were dropped")
                continue
            changes.extend(ctx.changes)
            text, changed = new_text, True
        if not changed:
            settled = True
            break
    if changes and settled:
        # a later pass changed the file: the first pass's reports may no longer hold, report the last pass's
        reports = reports.replacing({t.name for t in singles}, final)
    return text, changes, problems, reports


def rewrite_module(
    transform: Transform, module: cst.Module, file_plan: Any, path: str, suppressions: suppress.Suppressions | None = None
) -> tuple[cst.Module, RewriteContext] | str:
    ctx = transform.context(path, suppressions)
    try:
        new_module = transform.rewrite(module, file_plan, ctx)
    except RecursionError:
        return f"{transform.name}: nested too deeply (recursion limit); file left unchanged by it"
    except Exception as exc:
        return f"internal error in {transform.name}: {type(exc).__name__}: {str(exc)[:500]}; file left unchanged by it"
    return new_module, ctx


def verify(transform: Transform, new_text: str, path: str, module: str = "", is_package: bool = False) -> str | None:
    """None if the output is sound: it parses, compiles, and (single-file transforms) is a fixpoint."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(new_text, path, "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        return f"output does not compile ({exc})"
    try:
        cst.parse_module(new_text)
    except cst.ParserSyntaxError as exc:
        return f"output does not re-parse with LibCST ({str(exc).splitlines()[0]})"
    if transform.cross_file:
        return None  # idempotence needs the whole repository: the golden tests check it
    again = _single_file_pass(transform, new_text, path, module, is_package)
    if isinstance(again, str):
        return f"second run failed: {again}"
    if again is not None and again[0] != new_text:
        return "a second run changes the output again (not idempotent)"
    return None


LIBCST_CANNOT_PARSE = "LibCST cannot parse it"


def _single_file_pass(
    transform: Transform, text: str, path: str, module: str, is_package: bool, plan_skips: list[Skip] | None = None
) -> tuple[str, RewriteContext] | str | None:
    """index → plan → rewrite on one file alone. None when the transform does not touch it; a message
    when it fails. The plan's skips go to ``plan_skips`` when given."""
    if not transform.wants(text.encode("utf-8", "surrogatepass")):
        return None
    tree = parse_python(text, path)
    facts = transform.index(SourceInfo(path, module, is_package, text), tree)
    if not facts:
        return None
    plan = transform.plan({path: facts})
    if plan_skips is not None:
        plan_skips.extend(plan.skips)
    if path not in plan.files:
        return None
    try:
        module_cst = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:  # Python parses it, LibCST's tokenizer does not
        return f"{LIBCST_CANNOT_PARSE}: {str(exc).splitlines()[0]}"
    outcome = rewrite_module(transform, module_cst, plan.files[path], path, suppress.parse(text))
    if isinstance(outcome, str):
        return outcome
    return outcome[0].code, outcome[1]


@dataclass
class SourceResult:
    new_text: str
    changes: list[Change]
    skips: list[Skip]
    errors: list[str]
    held: list[Change] = field(default_factory=list)
    suppressed: list[Change] = field(default_factory=list)


def apply_to_source(transforms: Iterable[Transform], text: str, path: str = "mod.py", module: str = "mod") -> SourceResult:
    """Run transforms on one source text alone (tests, property checks, editor integrations).

    Cross-file transforms see only this file, as if it were the whole repository.
    """
    changes: list[Change] = []
    reports = Reports()
    errors: list[str] = []
    current = text
    is_package = path.endswith("__init__.py")
    ordered = _ordered(list(transforms))
    for transform in ordered:
        outcome = _single_file_pass(transform, current, path, module, is_package, reports.skips)
        if outcome is None:
            continue
        if isinstance(outcome, str):
            errors.append(outcome)
            if outcome.startswith(LIBCST_CANNOT_PARSE):
                break  # no other transform can read it either
            continue
        new_text, ctx = outcome
        reports.add(ctx)
        if new_text == current:
            continue
        problem = verify(transform, new_text, path, module, is_package)
        if problem:
            errors.append(f"{transform.name}: {problem}")
            continue
        changes.extend(ctx.changes)
        current = new_text
    if current != text:
        current, more, problems, reports = settle(ordered, current, path, module, is_package, reports)
        changes.extend(more)
        errors.extend(problems)
    return SourceResult(current, changes, reports.skips, errors, reports.held, reports.suppressed)


# --------------------------------------------------------------------------------------------
# the whole run


def _ordered(transforms: list[Transform]) -> list[Transform]:
    """Transforms whose plan holds index-time positions run first on each file."""
    return sorted(transforms, key=lambda t: not t.positional_plan)


def _map(fn, items: list, jobs: int, threshold: int, phase: str, progress: Progress | None) -> list:
    total = len(items)
    if progress:
        progress(phase, 0, total)
    if jobs <= 1 or total < threshold:
        out = []
        for i, item in enumerate(items, 1):
            out.append(fn(item))
            if progress and (i % 50 == 0 or i == total):
                progress(phase, i, total)
        return out
    chunksize = max(1, min(64, total // (jobs * 8) or 1))
    out = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for i, res in enumerate(pool.map(fn, items, chunksize=chunksize), 1):
            out.append(res)
            if progress and (i % 50 == 0 or i == total):
                progress(phase, i, total)
    return out


def run(
    paths: Sequence[str],
    transforms: Sequence[Transform],
    config: Config | None = None,
    jobs: int | None = None,
    progress: Progress | None = None,
    root: str | None = None,
    cache_dir: str | None = None,
) -> Changeset:
    """Run ``transforms`` over ``paths``. ``cache_dir``: where index facts are cached (None: no cache)."""
    config = config or Config()
    jobs = jobs or config.jobs or os.cpu_count() or 1
    transforms = _ordered(list(transforms))
    t0 = time.perf_counter()
    if root is None:
        root, in_git = find_root(paths[0] if paths else ".")
    else:
        root = os.path.realpath(root)
        in_git = os.path.isdir(os.path.join(root, ".git")) or os.path.isfile(os.path.join(root, ".git"))
    found = discover(root, list(paths) or [root], config, in_git)
    cs = Changeset(root=root, transforms=[t.name for t in transforms])
    cs.errors.extend(FileError(p, m) for p, m in found.missing)
    cs.notices.extend(FileError(p, m, "notice") for p, m in found.notices)
    # Cross-file transforms read the whole repository (a caller in tests/ is still a caller) but may
    # only edit the files under the paths given: ``editable`` tells their plan which those are.
    scope = set(found.files)
    if any(t.cross_file for t in transforms):
        whole = discover(root, [root], config, in_git)
        if set(whole.files) != scope:
            found.files = sorted(scope | set(whole.files))
    for t in transforms:
        t.editable = None if len(scope) == len(found.files) else frozenset(scope)

    # read every file once; what is indexed and rewritten is exactly these bytes
    contents: dict[str, bytes] = {}
    for rel in found.files:
        try:
            with open(os.path.join(root, rel), "rb") as fh:
                contents[rel] = fh.read()
        except FileNotFoundError:
            cs.errors.append(FileError(rel, "vanished during the run (deleted before it could be read)"))
        except OSError as exc:
            cs.errors.append(FileError(rel, f"cannot be read: {exc.strerror or exc}"))
    t_read = time.perf_counter()

    package_dirs = _package_dirs(root, contents)
    modules = {rel: module_name(rel, package_dirs) for rel in contents}

    # prefilter, then index (one ast parse per file serves every transform)
    wanted: dict[str, list[Transform]] = {}
    for rel, data in contents.items():
        ts = [t for t in transforms if (t.cross_file or rel in scope) and t.wants(data)]
        if ts:
            wanted[rel] = ts
    facts: dict[str, dict[str, Any]] = {t.name: {} for t in transforms}
    errored: set[str] = set()
    cache = FactsCache(cache_dir)
    fps = {t.name: fingerprint(t) for t in transforms} if cache_dir else {}

    def fail(path: str, message: str) -> None:
        if path in errored:
            return
        errored.add(path)
        if path in scope:
            cs.errors.append(FileError(path, message))
        else:  # read only for its references: the user did not ask to process it
            cs.notices.append(FileError(path, f"not read for references: {message}", "notice"))

    def index_round(todo: dict[str, list[Transform]]) -> None:
        items = []
        keys: dict[tuple[str, str], str] = {}
        for rel, ts in sorted(todo.items()):
            missing = []
            for t in ts:
                if not cache_dir:
                    missing.append(t)
                    continue
                keys[rel, t.name] = key = FactsCache.key(contents[rel], *modules[rel], fps[t.name])
                value = cache.get(key)
                if value is MISS:
                    missing.append(t)
                elif isinstance(value, CachedError):
                    fail(rel, value.message)
                elif value:
                    facts[t.name][rel] = value
            if missing and rel not in errored:
                items.append((rel, *modules[rel], contents[rel], missing))
        for res, item in zip(_map(_index_one, items, jobs, PARALLEL_INDEX_MIN_FILES, "index", progress), items):
            for t in item[4]:
                if cache_dir:
                    cache.put(keys[res.path, t.name], CachedError(res.error) if res.error else res.facts.get(t.name))
            if res.error:
                fail(res.path, res.error)
                continue
            for name, f in res.facts.items():
                facts[name][res.path] = f

    index_round(wanted)
    # second round: files mentioning names another file's facts made interesting (cross-file references)
    extra: dict[str, list[Transform]] = {}
    for t in transforms:
        mentions = word_matcher(t.reference_names(facts[t.name]))
        if mentions is None:
            continue
        for rel, data in contents.items():
            if rel in errored or t in wanted.get(rel, ()) or (not t.cross_file and rel not in scope):
                continue
            if mentions(data):
                extra.setdefault(rel, []).append(t)
    if extra:
        index_round(extra)
    cache.save()
    t_index = time.perf_counter()

    # plan
    plans: dict[str, Plan] = {}
    unparsed = {rel: contents[rel] for rel in sorted(errored) if rel in contents}
    for t in transforms:
        t.unparsed = unparsed
        try:
            plans[t.name] = t.plan(facts[t.name])
        except Exception as exc:
            cs.errors.append(FileError("<plan>", f"internal error in {t.name} while planning: {type(exc).__name__}: {exc}", "internal"))
            plans[t.name] = Plan()
        cs.skips.extend(plans[t.name].skips)
    t_plan = time.perf_counter()

    # rewrite (one LibCST parse per file feeds every transform in turn), verify
    work: dict[str, list[tuple[Transform, Any]]] = {}
    for t in transforms:
        for rel, file_plan in plans[t.name].files.items():
            if rel not in scope:
                cs.errors.append(FileError(rel, f"internal error in {t.name}: planned an edit outside the paths given; not rewritten", "internal"))
            elif rel not in errored:
                work.setdefault(rel, []).append((t, file_plan))
    items = [(rel, *modules[rel], contents[rel], steps, transforms) for rel, steps in sorted(work.items())]
    for res in _map(_rewrite_one, items, jobs, PARALLEL_REWRITE_MIN_FILES, "rewrite", progress):
        cs.skips.extend(res.skips)
        cs.held.extend(res.held)
        cs.suppressed.extend(res.suppressed)
        for kind, message in res.errors:
            cs.errors.append(FileError(res.path, message, kind))
        if res.new_text is not None:
            data = contents[res.path]
            cs.files.append(FileChange(res.path, data, res.new_text, decode(data), sorted(res.changes)))
    t_rewrite = time.perf_counter()

    cs.files.sort(key=lambda f: f.path)
    cs.skips = sorted(set(cs.skips))
    cs.held = sorted(set(cs.held))
    cs.suppressed = sorted(set(cs.suppressed))
    cs.stats = {
        "files": len(scope),
        "files_read": len(contents),
        "indexed": len(wanted) + len(extra),
        "rewritten": len(work),
        "cache_hits": cache.hits,
        "read_s": round(t_read - t0, 4),
        "index_s": round(t_index - t_read, 4),
        "plan_s": round(t_plan - t_index, 4),
        "rewrite_s": round(t_rewrite - t_plan, 4),
        "total_s": round(t_rewrite - t0, 4),
    }
    return cs


_IDENTIFIER = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
_MANY_NAMES = 64  # past this, tokenising a file once beats one big alternation


def word_matcher(names: Iterable[bytes]) -> Callable[[bytes], bool] | None:
    """A test for any of ``names`` as a whole word (``main`` is not found in ``domain``).

    Over-inclusive by design: a non-ASCII letter next to a name counts as a word boundary. With many
    names, each file's identifiers are collected once and intersected (cost independent of the count).
    """
    names = set(names)
    if not names:
        return None
    words = {n for n in names if _IDENTIFIER.fullmatch(n)}
    others = sorted(names - words, key=len, reverse=True)
    if len(words) <= _MANY_NAMES:
        pattern = re.compile(rb"(?<![A-Za-z0-9_])(?:" + b"|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + rb")(?![A-Za-z0-9_])")
        return lambda data: pattern.search(data) is not None
    frozen = frozenset(words)

    def many(data: bytes) -> bool:
        if any(o in data for o in others):
            return True
        return not frozen.isdisjoint(_IDENTIFIER.findall(data))

    return many


def _package_dirs(root: str, contents: dict[str, bytes]) -> set[str]:
    dirs = {rel.rsplit("/", 1)[0] for rel in contents if "/" in rel}
    # every ancestor folder too, so that a package's parents are checked
    for d in list(dirs):
        parts = d.split("/")
        dirs.update("/".join(parts[:i]) for i in range(1, len(parts)))
    return {d for d in dirs if (d + "/__init__.py") in contents or os.path.isfile(os.path.join(root, d, "__init__.py"))}


# delivery moved to codemods.deliver; kept importable here for existing callers
from .deliver.write import write_changes  # noqa: E402


__all__ = ["Changeset", "SourceResult", "apply_to_source", "run", "write_changes", "verify", "Decoded"]
