"""fixpoint: which candidates convert, together with which call sites, as which units.

A candidate converts when it has no exemption and every call its body awaits reaches a candidate that
converts too. That is a *greatest* fixpoint: functions that await only each other (a recursive group,
``render_menu`` <-> ``render_item``, or one function awaiting itself) convert together, since none of
them ever suspends. A converted definition, the call sites that lose their ``await``, and every
converted definition whose body awaits it form one unit: interactive review accepts or declines them
as a whole, since accepting part would leave an ``await`` inside a plain function.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any, Mapping

from ..base import Plan, Skip
from . import reasons
from .exemptions import Exemptions
from .facts import AsyncDef, FileFacts
from .resolve import Resolver
from .rewrite import FilePlan
from .uses import collect

_IDENTIFIER_BYTES = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")


def plan(
    facts: dict[str, FileFacts], options: Mapping[str, Any], name: str,
    editable: frozenset[str] | None, unparsed: Mapping[str, bytes], allow_unsafe: bool = True,
) -> Plan:
    res = Resolver(facts)
    out = Plan()
    candidates = {i: v for i, v in res.defs.items() if v[1].hard is None}
    if not candidates:
        return out
    uses = collect(res, candidates)
    exempt = Exemptions(res, candidates, uses, options)

    reasons_of: dict[str, str] = {}
    suppressed: set[str] = set()
    # public names: callers outside the repository may await them, so converting one is an unsafe fix;
    # without unsafe fixes they stay async *before* the fixpoint, so that no function becomes plain
    # because it awaited one of them
    public: dict[str, str] = {}
    if not options.get("include-public"):
        for cid in candidates:
            where = exempt.exposed(cid)
            if where is not None:
                public[cid] = where
    unparsed_words = [(p, set(_IDENTIFIER_BYTES.findall(data))) for p, data in sorted(unparsed.items())]
    for cid, (path, d) in candidates.items():
        if d.line in facts[path].suppressed:
            suppressed.add(cid)
            continue
        why = exempt.reason(cid)
        if why is None and editable is not None:
            if path not in editable:
                why = reasons.OUTSIDE_PATHS
            else:
                for rpath, ref in uses.refs_to.get(cid, ()):
                    if rpath not in editable:
                        why = reasons.outside_paths(f"{rpath}:{ref[3]}")
                        break
        if why is None and cid in public and not allow_unsafe:
            why = reasons.public_name(f"`{public[cid]}`")
        if why is None:
            for upath, words in unparsed_words:
                if d.name.encode() in words:
                    why = reasons.unparsed(upath)
                    break
        if why is not None:
            reasons_of[cid] = why

    # what each candidate's body awaits; a call that reaches anything but candidates keeps it async
    deps: dict[str, set[str]] = {}
    for cid, (path, d) in candidates.items():
        need: set[str] | None = set()
        for i in d.awaits:
            t = uses.targets_of.get((path, i))
            if not t or any(n not in candidates for n in t):
                need = None
                break
            need.update(t)
        if need is not None:
            deps[cid] = need
    awaitfree = greatest(deps, set(deps))  # bodies that never suspend, converted or not
    eligible = {c for c in awaitfree if c not in reasons_of and c not in suppressed}
    converted = greatest(deps, eligible)

    # a candidate is reported when its own reason is all that keeps it (and maybe its group) async; one
    # that awaits a function that stays async is not (that function's reason is reported)
    for cid in sorted(awaitfree & set(reasons_of)):
        path, d = candidates[cid]
        if editable is not None and path not in editable:
            continue  # not asked about
        if not deps[cid] <= converted and cid not in greatest(deps, eligible | {cid}):
            continue
        out.skips.append(Skip(path, d.line, d.col + 1, name, f"{reasons.label(d)}: {reasons_of[cid]}"))

    # the conversions that need no public name converted are safe, each linked group a unit of its own;
    # the rest (public names, and what converts only because they do) are unsafe units
    safe = greatest(deps, eligible - set(public)) if public else converted
    rest = converted - safe
    units = unit_names(safe, {c: deps[c] & safe for c in safe}, candidates)
    units.update(unit_names(rest, {c: deps[c] & rest for c in rest}, candidates))
    unsafe_units = frozenset(units[c] for c in rest)
    for cid in sorted(converted):
        path, d = candidates[cid]
        unit = units[cid]
        out.files.setdefault(path, FilePlan()).defs[(d.line, d.col)] = (reasons.converted(d), unit)
        for rpath, ref in uses.refs_to.get(cid, ()):
            out.files.setdefault(rpath, FilePlan()).awaits[(ref[6], ref[7])] = (reasons.await_removed(d), unit)
    if unsafe_units:
        for file_plan in out.files.values():
            units_here = {u for _, u in file_plan.defs.values()} | {u for _, u in file_plan.awaits.values()}
            file_plan.unsafe = frozenset(units_here & unsafe_units)
    for cid in sorted(suppressed & awaitfree):
        path, d = candidates[cid]
        if (editable is None or path in editable) and (deps[cid] <= converted or cid in greatest(deps, eligible | {cid})):
            out.files.setdefault(path, FilePlan()).suppressed[(d.line, d.col)] = reasons.converted(d)
    out.skips.sort()
    return out


def greatest(deps: dict[str, set[str]], start: set[str]) -> set[str]:
    """The largest subset of ``start`` in which every member's dependencies are members too."""
    keep = set(start)
    users: dict[str, list[str]] = defaultdict(list)
    for cid in keep:
        for n in deps[cid]:
            users[n].append(cid)
    todo = [c for c in keep if not deps[c] <= keep]
    while todo:
        cid = todo.pop()
        if cid not in keep:
            continue
        keep.discard(cid)
        todo.extend(u for u in users.get(cid, ()) if u in keep)
    return keep


def unit_names(converted: set[str], deps: dict[str, set[str]], candidates: dict[str, tuple[str, AsyncDef]]) -> dict[str, str]:
    """One unit per group of converted definitions linked by awaits: ``await-free:path:qual`` of its first."""
    parent = {c: c for c in converted}

    def find(c: str) -> str:
        while parent[c] != c:
            parent[c] = parent[parent[c]]
            c = parent[c]
        return c

    for cid in sorted(converted):
        for n in deps[cid]:
            a, b = find(cid), find(n)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {c: f"await-free:{find(c)}" for c in converted}
