"""exemptions: why a candidate (an async def whose body never suspends) must stay a coroutine function.

In the order they are checked: what the function is (a dunder, abstract, decorated, able to raise
StopIteration); how its class is made (class decorators, metaclasses, ``__init_subclass__``, classes
made with ``type()``); its place in the class hierarchy (overrides, overridden, Protocol); whether it is
public (``__all__``) or replaced from another module; and how it is used (every use must be
``await f(...)``; a computed ``getattr``, a string, an unknown receiver may reach it). The first reason
found is the one reported.
"""

from __future__ import annotations

from typing import Any, Mapping

from . import reasons
from .facts import AsyncDef, ClassInfo
from .resolve import UNRESOLVED, Resolver
from .uses import Uses

# class decorators and metaclasses known to leave methods alone
SAFE_CLASS_DECORATORS = {"dataclass", "total_ordering", "final", "unique", "runtime_checkable", "define", "frozen", "mutable"}
SAFE_METACLASSES = {"abc.ABCMeta", "builtins.type", "enum.EnumMeta", "enum.EnumType"}


class Exemptions:
    def __init__(
        self, res: Resolver, candidates: dict[str, tuple[str, AsyncDef]], uses: Uses, options: Mapping[str, Any]
    ) -> None:
        self.res = res
        self.candidates = candidates
        self.uses = uses
        self.options = options
        cand_names = {d.name for _, d in candidates.values()}
        self.public = self.public_entities()
        self.unknown_base_members = self.find_unknown_base_members(cand_names)
        self.escapes = self.dynamic_escapes()

    # -- repository-wide facts -----------------------------------------------------------------
    def public_entities(self) -> dict[str, str]:
        """Entity ids (functions and classes) listed in some module's __all__ -> that module's path."""
        out: dict[str, str] = {}
        for path in sorted(self.res.facts):
            f = self.res.facts[path]
            if f.all_names is None:
                continue
            names = set(f.all_names)
            if f.all_dynamic:
                names.update(n for n in f.bindings if not n.startswith("_"))
            for n in sorted(names):
                found = self.res.resolve_in_module(path, [n], 0)
                if found[0] in ("func", "class") and found[1] not in out:
                    out[found[1]] = path
        return out

    def find_unknown_base_members(self, cand_names: set[str]) -> dict[str, tuple[str, ClassInfo]]:
        """Method names declared by classes with a base that cannot be resolved (could be any repo class)."""
        out: dict[str, tuple[str, ClassInfo]] = {}
        for cid in sorted(self.res.classes):
            if any(b[0] == "unknown" for b in self.res.bases(cid)):
                path, c = self.res.classes[cid]
                for m in c.members:
                    if m in cand_names and m not in out:
                        out[m] = (path, c)
        return out

    def dynamic_escapes(self) -> dict[str, str]:
        """Candidates a computed ``getattr`` or a class made with ``type()`` may reach -> the reason."""
        res = self.res
        out: dict[str, str] = {}
        methods_of: dict[str, list[str]] = {}  # class id -> its candidate methods
        for cid, (_path, d) in self.candidates.items():
            if d.cls is not None:
                methods_of.setdefault(cid.rsplit(".", 1)[0], []).append(cid)
        every = sorted(self.candidates)
        self.functions_of: dict[str, list[str]] = {}  # module path -> its candidate module-level functions
        for cid, (path, d) in self.candidates.items():
            if "." not in d.qual:
                self.functions_of.setdefault(path, []).append(cid)
        self.methods_of = methods_of
        every_method = sorted(c for cs in methods_of.values() for c in cs)

        def in_mro(classes: list[str]) -> list[str]:
            seen: list[str] = []
            for start in classes:
                for node in res.mro(start):
                    if node[0] == "repo" and node[1] not in seen:
                        seen.append(node[1])
            return seen

        unknown: dict[str, tuple[str, str]] = {}  # literal prefix -> the first such getattr (text, where)
        for path in sorted(res.facts):
            f = res.facts[path]
            for prefix, kind, value, line, _col, text in f.dynamic_getattrs:
                reach = self.getattr_reach(f, kind, value, in_mro)
                where = f"{path}:{line}"
                if reach is None:
                    unknown.setdefault(prefix, (text, where))
                    continue
                # a known receiver: every candidate of its class (or module) the literal prefix may
                # start (``getattr(self, "on_" + event)``, ``getattr(commands, f"cmd_{name}")``)
                for cid in reach:
                    if cid not in out and self.candidates[cid][1].name.startswith(prefix):
                        out[cid] = reasons.computed_name(text, where)
            for bases, members, line, _col in f.dynamic_classes:
                where = f"{path}:{line}"
                for ref in bases if bases is not None else (None,):
                    node = res.class_node(ref) if ref is not None else ("unknown", "?")
                    if node[0] == "ext":
                        continue
                    if node[0] == "unknown":
                        found, why = every_method, reasons.dynamic_class_unknown(where)
                    else:
                        found = [m for c in in_mro([node[1]]) for m in methods_of.get(c, ())]
                        why = reasons.dynamic_class(where, res.classes[node[1]][1].name)
                    for cid in found:
                        if members is None or self.candidates[cid][1].name in members:
                            out.setdefault(cid, why)
        if unknown:
            # any receiver: the computed part of the name is a string from somewhere; a candidate whose
            # rest no string of the repository spells can only be named by outside data (Fix safety)
            spelled: dict[str, str] = {}
            for p in sorted(res.facts):
                for w in res.facts[p].words:
                    spelled.setdefault(w, p)
            for prefix, (text, where) in sorted(unknown.items()):
                for cid in every:
                    cand = self.candidates[cid][1].name
                    if cid in out or not cand.startswith(prefix):
                        continue
                    spot = spelled.get(cand[len(prefix):])
                    if spot is not None:
                        out[cid] = reasons.computed_spelled(text, where, cand[len(prefix):], spot)
        return out

    def getattr_reach(self, f, kind: str, value, in_mro) -> list[str] | None:
        """Candidates ``getattr(receiver, <computed>)`` may reach; None for any candidate at all."""
        res = self.res
        if kind in ("KS", "KX", "KA", "U", "KG"):
            classref = value[0] if kind in ("KA", "KG") else value
            if kind == "KG" and (f.path, value[1]) in res.replaced:
                return None
            node = res.class_node(classref)
            if node[0] == "ext":
                return [] if kind == "KX" else None  # an instance of an outside class, or any subclass of it
            if node[0] != "repo":
                return None
            starts = [node[1]] if kind in ("KX", "KG") else [node[1], *res.subclasses(node[1])]
            return [m for c in in_mro(starts) for m in self.methods_of.get(c, ())]
        if kind == "D":
            found = res.resolve_dotted(value)
            if found[0] == "module":
                return list(self.functions_of.get(found[1], ()))
            if found[0] == "class":
                return [m for c in in_mro([found[1]]) for m in self.methods_of.get(c, ())]
            return None if found is UNRESOLVED else []
        return None

    # -- one candidate -------------------------------------------------------------------------
    def reason(self, cid: str) -> str | None:
        path, d = self.candidates[cid]
        return self.what_it_is(d) or self.where_it_lives(cid, path, d) or self.how_it_is_used(cid, d)

    @staticmethod
    def what_it_is(d: AsyncDef) -> str | None:
        if d.name.startswith("__") and d.name.endswith("__"):
            return reasons.DUNDER
        if d.abstract:
            return reasons.ABSTRACT
        if d.decorators:
            return reasons.decorated(d.decorators[0])
        if d.stop_iteration:
            return reasons.stop_iteration(d.stop_iteration)
        return None

    def where_it_lives(self, cid: str, path: str, d: AsyncDef) -> str | None:
        res = self.res
        f = res.facts[path]
        include_public = self.options.get("include-public")
        if d.cls is None:
            if "." not in d.qual:
                bind = f.bindings.get(d.name)
                if bind is None or bind[0] != "def":
                    lines = ", ".join(str(x) for x in bind[1]) if bind and bind[0] == "multi" else "?"
                    return reasons.rebound_in_module(d.name, lines)
                if (path, d.name) in res.replaced:
                    return reasons.replaced(f.module, d.name, res.replaced[(path, d.name)])
            if cid in self.public and not include_public:
                return reasons.public_function(self.public[cid])
            return None
        ccid = f"{path}:{d.cls}"
        _, c = res.classes[ccid]
        top = d.cls.split(".")[0]
        if d.name in c.rebound:
            return reasons.rebound_in_class(d.name, c)
        if (path, top) in res.replaced:
            return reasons.replaced(f.module, top, res.replaced[(path, top)])
        why = self.class_creation(ccid, c)
        if why:
            return why
        if res.is_protocol(ccid):
            return reasons.protocol(c)
        why = self.override_reason(ccid, c, d.name)
        if why:
            return why
        other = self.unknown_base_members.get(d.name)
        if other is not None and other[1] is not c:
            return (
                f"class {other[1].name} ({other[0]}:{other[1].line}) has a base that cannot be resolved "
                f"and declares {d.name}: it may override it"
            )
        if f"{path}:{top}" in self.public and not include_public:
            return reasons.public_method(c, self.public[f"{path}:{top}"])
        return None

    def exposed(self, cid: str) -> str | None:
        """The dotted name by which code outside the repository may reach the candidate, when it is
        public by Python's convention: no component of its module, class or own name starts with an
        underscore, it is not nested in a function, and its module is not a test (None otherwise)."""
        path, d = self.candidates[cid]
        module = self.res.facts[path].module
        parts = module.split(".") if module else []
        if any(p.startswith("_") for p in parts) or "<locals>" in d.qual:
            return None
        if any(p in ("tests", "test", "testing") for p in parts[:-1]) or (
            parts and (parts[-1].startswith("test_") or parts[-1].endswith("_test") or parts[-1] == "conftest")
        ):
            return None
        if any(p.startswith("_") for p in d.qual.split(".")):
            return None
        return ".".join([*parts, d.qual]) if parts else d.qual

    def class_creation(self, ccid: str, c: ClassInfo) -> str | None:
        """Code that runs when the class (or a subclass) is created and may wrap or inspect its methods."""
        res = self.res
        subclasses = res.subclasses(ccid)
        for owner_id in [ccid, *subclasses]:
            owner = res.classes[owner_id][1]
            for deco in owner.decorators:
                if deco.rsplit(".", 1)[-1] not in SAFE_CLASS_DECORATORS:
                    return reasons.class_decorator(owner, deco)
        for owner_id in [*(n[1] for n in res.mro(ccid) if n[0] == "repo"), *subclasses]:
            owner_path, owner = res.classes[owner_id]
            if owner.metaclass is not None:
                node = res.class_node(owner.metaclass_ref)
                if not (node[0] == "ext" and node[1] in SAFE_METACLASSES):
                    return reasons.metaclass(c, owner.metaclass, owner)
            if "__init_subclass__" in owner.members and (owner_id != ccid or subclasses):
                return reasons.init_subclass(c, owner, f"{owner_path}:{owner.line}")
        return None

    def member_at(self, cid: str, name: str) -> str:
        path, c = self.res.classes[cid]
        d = self.res.defs.get(f"{cid}.{name}")
        return f"{c.name}.{name} ({path}:{d[1].line if d else c.line})"

    def override_reason(self, ccid: str, c: ClassInfo, name: str) -> str | None:
        res = self.res
        for start in [ccid, *res.subclasses(ccid)]:
            mro = res.mro(start)
            here = mro.index(("repo", ccid)) if ("repo", ccid) in mro else 0
            for node in mro[:here]:
                if node[0] == "repo" and name in res.classes[node[1]][1].members:
                    return f"overridden by {self.member_at(node[1], name)}: the async signature is a contract"
            for node in mro[here + 1 :]:
                if node[0] == "repo":
                    if name in res.classes[node[1]][1].members:
                        return f"overrides {self.member_at(node[1], name)}: the async signature is a contract"
                    continue
                declared = res.declares(node, name)
                if declared:
                    return f"overrides {node[1].removeprefix('builtins.')}.{name}: the async signature is a contract"
                if declared is None:
                    shown = c.name if start == ccid else res.classes[start][1].name
                    if node[0] == "ext":
                        return f"{shown} derives from {node[1]}, outside the repository, which may declare {name}"
                    return f"a base class of {shown} ({node[1]}) cannot be resolved; it may declare {name}"
        return None

    def how_it_is_used(self, cid: str, d: AsyncDef) -> str | None:
        uses = self.uses
        name = d.name
        is_method = d.cls is not None
        refs = uses.refs_to.get(cid, ())
        for rpath, ref in refs:
            if ref[5] is not None:
                return reasons.used_as_value(name, ref[5], f"{rpath}:{ref[3]}")
        for rpath, ref, why, methods_only in uses.blocked.get(name, ()):
            if methods_only and not is_method:
                continue
            return reasons.may_call_else(ref, f"{rpath}:{ref[3]}", why)
        for rpath, ref, why in uses.blocked_ids.get(cid, ()):
            return reasons.may_call_else(ref, f"{rpath}:{ref[3]}", why)
        s = uses.strings.get(name)
        if s is not None:
            spath, (sline, _scol, literal) = s
            return reasons.string_ref(literal, f"{spath}:{sline}")
        if cid in self.escapes:
            return self.escapes[cid]
        for rpath, ref in refs:
            if ref[6] in self.res.facts[rpath].suppressed:
                return reasons.suppressed_call(f"{rpath}:{ref[6]}")
        if not refs and not self.options.get("include-unreferenced"):
            return reasons.UNREFERENCED
        return None
