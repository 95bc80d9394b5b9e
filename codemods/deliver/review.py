"""Interactive review, as `git add -p` but by change: the hunks that hold changes of one unit
(`Change.unit`: a converted definition and its call sites in every file, an import and its uses) are
shown and decided together; a hunk that holds no change (an added import) follows the accepted changes
of its file. The result is verified before anything is written: it compiles, has no undefined name the
original did not have (pyflakes), and a second run of the transforms proposes nothing but what was
declined. Answers: y apply, n skip, a this and the rest of this file, d skip the rest of this file,
q quit (keep what was accepted so far)."""

from __future__ import annotations

import warnings
from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import click

from ..changeset import Changeset, FileChange, FileError, Hunk
from ..model import Change


@dataclass
class Group:
    """What one question decides: hunks (file index, hunk index) and the changes they hold."""

    hunks: list[tuple[int, int]] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)


def unit_key(c: Change, cross_file: bool) -> str:
    """The unit a change belongs to. A change of a cross-file transform that names no unit is taken as
    one unit with all that transform's changes (it may depend on any of them); otherwise alone."""
    if c.unit:
        return f"{c.transform}\0{c.unit}"
    if cross_file:
        return f"{c.transform}\0*"
    return f"{c.transform}\0{c.path}:{c.line}:{c.col}:{c.message}"


def group_hunks(files: list[FileChange], cross_file: set[str]) -> tuple[list[Group], dict[int, list[int]]]:
    """The questions to ask, in file order, and for each file the hunks that hold no change."""
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(x):
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(a, b):
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)

    first_of_unit: dict[str, tuple[int, int]] = {}
    changes_at: dict[tuple[int, int], list[Change]] = {}
    changeless: dict[int, list[int]] = {}
    for fi, fc in enumerate(files):
        hunks = fc.hunks()
        where = fc.change_hunks(hunks)
        held = {h for hs in where.values() for h in hs}
        changeless[fi] = [hi for hi in range(len(hunks)) if hi not in held]
        for c, his in where.items():
            key = unit_key(c, c.transform in cross_file)
            nodes = [(fi, hi) for hi in his]
            changes_at.setdefault(nodes[0], []).append(c)
            first_of_unit.setdefault(key, nodes[0])
            for node in nodes:
                union(node, first_of_unit[key])
    groups: dict[tuple[int, int], Group] = {}
    for node in sorted(parent):
        group = groups.setdefault(find(node), Group())
        group.hunks.append(node)
        group.changes.extend(changes_at.get(node, []))
    # a file with no change-bearing hunk at all (positions mapped elsewhere): its hunks are asked on their own
    for fi, his in changeless.items():
        if his and not any(n[0] == fi for n in parent):
            groups[(fi, his[0])] = Group([(fi, hi) for hi in his])
            changeless[fi] = []
    return sorted(groups.values(), key=lambda g: g.hunks[0]), changeless


Rerun = Callable[[dict[str, bytes]], Changeset]


def review(cs: Changeset, files: list[FileChange], *, rerun: Rerun | None = None, colour: bool = False,
           ask: Callable[[str], str] | None = None) -> list[FileChange]:
    """Ask about each change of ``files``; return the files with only the accepted hunks applied, or
    nothing (errors on ``cs``) when the accepted hunks do not make a sound program. ``rerun(overlay)``
    runs the same transforms again with some files' bytes replaced (the second-run check)."""
    from ..cli.report import colour_diff
    from ..transforms import registry

    reg = registry()
    cross = {n for n in cs.transforms if n in reg and reg[n].cross_file}
    groups, changeless = group_hunks(files, cross)
    ask = ask or _prompt
    texts = [fc.hunk_texts() for fc in files]
    accepted: set[tuple[int, int]] = set()
    declined_changes: list[Change] = []
    rest_of_file: dict[int, bool] = {}
    quit_all = False
    for n, group in enumerate(groups, 1):
        first_file = group.hunks[0][0]
        decision = None if not quit_all else False
        if decision is None and first_file in rest_of_file:
            decision = rest_of_file[first_file]
        if decision is None:
            shown = None
            for fi, hi in group.hunks:
                if fi != shown:
                    path = files[fi].path
                    click.echo(f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}")
                    shown = fi
                text = texts[fi][hi]
                click.echo(colour_diff(text.encode()).decode() if colour else text, nl=False)
            for c in group.changes:
                click.echo(f"# {c.transform} [{c.safety}]: {c.message}" + (f" ({c.why})" if c.why and c.safety == "unsafe" else ""), err=True)
            others = sorted({files[fi].path for fi, _ in group.hunks} - {files[first_file].path})
            extent = f"{len(group.hunks)} hunks" + (f", also in {', '.join(others)}" if others else "") if len(group.hunks) > 1 else "this hunk"
            answer = ask(f"({n}/{len(groups)}) Apply {extent} to {files[first_file].path} [y,n,a,d,q]")
            if answer in ("a", "d"):
                rest_of_file[first_file] = answer == "a"
            if answer == "q":
                quit_all = True
            decision = answer in ("y", "a")
        if decision:
            accepted.update(group.hunks)
        else:
            declined_changes.extend(group.changes)

    result: list[FileChange] = []
    for fi, fc in enumerate(files):
        mine = {hi for f, hi in accepted if f == fi}
        if not mine:
            continue
        mine.update(changeless.get(fi, []))
        hunks = fc.hunks()
        where = fc.change_hunks(hunks)
        if len(mine) == len(hunks):
            result.append(fc)
            continue
        keep: list[Hunk] = [hunks[hi] for hi in sorted(mine)]
        kept_changes = [c for c in fc.changes if set(where.get(c, [])) <= mine]
        result.append(FileChange(fc.path, fc.old_bytes, fc.apply_hunks(keep), fc.source, kept_changes))
    if declined_changes and result:
        problems = verify_partial(result, files, cs, rerun)
        if problems:
            for path, message in problems:
                cs.errors.append(FileError(path, f"the changes accepted do not make a sound program ({message}); "
                                                 "nothing written: accept or decline the whole of what they depend on"))
            return []
    return result


def _prompt(text: str) -> str:
    try:
        return click.prompt(text, type=click.Choice(["y", "n", "a", "d", "q"]), show_choices=False, err=True)
    except click.Abort as exc:
        if isinstance(exc.__context__, EOFError):
            return "q"  # no more answers (stdin closed): keep what was accepted, decline the rest
        raise KeyboardInterrupt from None


def undefined_names(text: str, path: str) -> Counter:
    """Names pyflakes reports as undefined in ``text`` (with how often)."""
    from pyflakes import api, messages

    class Collect:
        def __init__(self):
            self.found: Counter = Counter()

        def unexpectedError(self, filename, msg):  # noqa: N802 (pyflakes' reporter interface)
            pass

        def syntaxError(self, filename, msg, lineno, offset, text):  # noqa: N802
            self.found["<syntax error>"] += 1

        def flake(self, message):
            if isinstance(message, (messages.UndefinedName, messages.UndefinedLocal, messages.UndefinedExport)):
                self.found[f"{message.message_args[0]}"] += 1

    reporter = Collect()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        api.check(text, path, reporter)
    return reporter.found


def verify_partial(result: list[FileChange], files: list[FileChange], cs: Changeset,
                   rerun: Rerun | None) -> list[tuple[str, str]]:
    """Problems of a partially accepted result: (path, message) for each. The second run over the
    repository with the accepted result in place may propose again only what was not accepted."""
    problems: list[tuple[str, str]] = []
    originals = {fc.path: fc for fc in files}
    for fc in result:
        if fc.new_text == originals[fc.path].new_text:
            continue  # the whole file's change, as the run verified it
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(fc.new_text, fc.path, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as exc:
            problems.append((fc.path, f"does not compile: {getattr(exc, 'msg', exc)}"))
            continue
        before = undefined_names(fc.old_text, fc.path)
        after = undefined_names(fc.new_text, fc.path)
        new = sorted(name for name in after if after[name] > before.get(name, 0))
        if new:
            problems.append((fc.path, "undefined name" + "s" * (len(new) > 1) + " " + ", ".join(f"`{n}`" for n in new)))
    if problems or rerun is None:
        return problems
    again = rerun({fc.path: fc.new_bytes for fc in result})
    if again.errors:
        e = again.errors[0]
        return [(e.path, f"a second run of the transforms reports: {e.message}")]
    accepted = Counter((c.path, c.transform, c.message) for fc in result for c in fc.changes)
    expected = Counter((c.path, c.transform, c.message) for c in cs.changes) - accepted
    for c in again.changes:
        key = (c.path, c.transform, c.message)
        if expected[key] > 0:
            expected[key] -= 1
            continue
        problems.append((c.path, f"a second run of {c.transform} would change line {c.line} again: {c.message}"))
    return problems


__all__ = ["Group", "group_hunks", "review", "undefined_names", "verify_partial"]
