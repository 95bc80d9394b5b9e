"""uses: every reference to a candidate's name in the repository, resolved to what it may reach.

A reference that reaches exactly one candidate is a use of it (a call site to update, or a use that
blocks it: ``create_task(f())``, ``callbacks.append(f)``). A reference that may reach something else
(an unknown receiver, an unresolvable import) blocks every candidate of its name, or only the methods
when the receiver is known to be a class instance.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .facts import AsyncDef, Ref
from .index import PLAIN_CALL
from .resolve import Resolver


@dataclass
class Uses:
    refs_to: dict[str, list[tuple[str, Ref]]] = field(default_factory=lambda: defaultdict(list))
    # name -> (path, ref, why, methods only): references that may reach any candidate of that name
    blocked: dict[str, list[tuple[str, Ref, str, bool]]] = field(default_factory=lambda: defaultdict(list))
    # candidate -> (path, ref, why): references that reach it and may reach something else too
    blocked_ids: dict[str, list[tuple[str, Ref, str]]] = field(default_factory=lambda: defaultdict(list))
    # (path, ref index) -> the candidates an awaited call reaches (None: it may reach something else)
    targets_of: dict[tuple[str, int], list[str] | None] = field(default_factory=dict)
    strings: dict[str, tuple[str, tuple]] = field(default_factory=dict)  # name -> (path, (line, col, literal))


def collect(res: Resolver, candidates: dict[str, tuple[str, AsyncDef]]) -> Uses:
    uses = Uses()
    cand_names = {d.name for _, d in candidates.values()}
    for path in sorted(res.facts):
        f = res.facts[path]
        star_roots = any(s.split(".", 1)[0] in res.roots for s in f.stars)
        for i, ref in enumerate(f.refs):
            kind = ref[1]
            if kind == "D":
                if ref[2].split(".", 1)[0] not in res.roots:
                    continue  # outside the repository
                name = ref[2].rsplit(".", 1)[-1]
            elif kind == "E":
                if ref[2] not in candidates:
                    continue
                name = ref[0]
            elif kind == "S":
                if not star_roots:
                    continue
                name = ref[0]
            elif kind == "X":
                name = ref[0]
            else:
                name = ref[0]
                if name not in cand_names:
                    continue
            targets, why, methods_only = res.reference(f, ref)
            if why is not None and (ref[5] == PLAIN_CALL or (methods_only and ref[5] in ("assigned to", "deleted"))):
                continue  # cannot be a use of a coroutine function or method (see index.PLAIN_CALL)
            if why is not None and targets:
                for t in targets:
                    uses.blocked_ids[t].append((path, ref, why))
                uses.targets_of[(path, i)] = None
                continue
            if why is not None:
                if name in cand_names:
                    uses.blocked[name].append((path, ref, why, methods_only))
                uses.targets_of[(path, i)] = None
                continue
            if len(targets) > 1:
                uses.blocked[name].append((path, ref, "the call may reach several methods", True))
                uses.targets_of[(path, i)] = None
                continue
            uses.targets_of[(path, i)] = targets
            for t in targets:
                uses.refs_to[t].append((path, ref))
    for path in sorted(res.facts):
        for name, pos in res.facts[path].strings.items():
            if name in cand_names and name not in uses.strings:
                uses.strings[name] = (path, pos)
    return uses
