"""resolve: what a name, a dotted path or an attribute reference reaches across the repository.

Modules are the indexed files; a dotted name is resolved through module globals, imports, package
re-exports and star imports; classes get their MRO (C3, with unknown and outside bases kept as such);
a method reference is looked up along the MRO of every class its receiver may be. Anything that cannot
be followed resolves to ``UNRESOLVED``, which blocks: never guess.
"""

from __future__ import annotations

import importlib
import sys
from collections import defaultdict
from typing import Any

from .facts import AsyncDef, ClassInfo, FileFacts

_STDLIB_DENY = {"antigravity", "this", "idlelib", "tkinter", "turtle", "turtledemo", "__main__", "pydoc"}
_MISSING = object()
_stdlib_cache: dict[tuple[str, str], bool | None] = {}


def stdlib_declares(dotted: str, attr: str) -> bool | None:
    """Does the standard-library class ``dotted`` declare ``attr``? None when it cannot be looked up."""
    key = (dotted, attr)
    if key in _stdlib_cache:
        return _stdlib_cache[key]
    result: bool | None = None
    parts = dotted.split(".")
    names = getattr(sys, "stdlib_module_names", frozenset())
    if parts[0] in names and parts[0] not in _STDLIB_DENY and len(parts) > 1:
        obj: Any = None
        rest: list[str] = []
        for i in range(len(parts) - 1, 0, -1):
            try:
                obj = importlib.import_module(".".join(parts[:i]))
            except Exception:
                continue
            rest = parts[i:]
            break
        for p in rest:
            obj = getattr(obj, p, _MISSING) if obj is not None else _MISSING
            if obj is _MISSING:
                break
        if obj is not _MISSING and obj is not None and isinstance(obj, type):
            result = hasattr(obj, attr)
    _stdlib_cache[key] = result
    return result


def is_external_class(dotted: str) -> bool:
    """Is ``dotted`` (outside the repository) a class? Looked up in the standard library when it is
    there, otherwise judged by its name (``ClientSession`` is a class, ``copy_of`` is a function)."""
    parts = dotted.split(".")
    names = getattr(sys, "stdlib_module_names", frozenset())
    if parts[0] in names and parts[0] not in _STDLIB_DENY and len(parts) > 1:
        for i in range(len(parts) - 1, 0, -1):
            try:
                obj: Any = importlib.import_module(".".join(parts[:i]))
            except Exception:
                continue
            for p in parts[i:]:
                obj = getattr(obj, p, _MISSING)
                if obj is _MISSING:
                    return False
            return isinstance(obj, type)
        return False
    last = parts[-1]
    return last[:1].isupper() and not last.isupper()


PROTOCOLS = {"typing.Protocol", "typing_extensions.Protocol"}
ANYTHING = {"typing.Any", "typing_extensions.Any", "builtins.object"}
MODULE_TYPES = {"types.ModuleType"}

# resolution results
EXTERNAL = ("external",)
UNRESOLVED = ("unresolved",)
OTHER = ("other",)


class Resolver:
    """The whole repository's names: modules, module globals, classes and their MROs."""

    def __init__(self, facts: dict[str, FileFacts]) -> None:
        self.facts = facts
        self.modules: dict[str, str | None] = {}
        for path, f in facts.items():
            self.modules[f.module] = None if f.module in self.modules else path  # None: two files, one name
        self.roots = {m.split(".")[0] for m in self.modules}
        self.defs: dict[str, tuple[str, AsyncDef]] = {}
        self.classes: dict[str, tuple[str, ClassInfo]] = {}
        for path, f in facts.items():
            for d in f.defs:
                self.defs[f"{path}:{d.qual}"] = (path, d)
            for c in f.classes:
                self.classes[f"{path}:{c.qual}"] = (path, c)
        self._dotted: dict[str, tuple] = {}
        self._mro: dict[str, list] = {}
        self._subs: dict[str, list[str]] | None = None
        self._lookup: dict[tuple[str, str, str], tuple] = {}
        self._ext_subs: dict[str, list[str]] | None = None
        # module globals that some file rebinds from outside (``mailer.transport = Fake()``,
        # ``setattr(mailer, "transport", ...)``, ``patch("mailer.transport")``): (path, name) -> (where, line)
        self.replaced: dict[tuple[str, str], tuple[str, int]] = {}
        for path in sorted(facts):
            for module, name, line, _col in facts[path].module_stores:
                res = self.resolve_dotted(module)
                if res[0] == "module" and (res[1], name) not in self.replaced:
                    self.replaced[(res[1], name)] = (path, line)

    # -- names ----------------------------------------------------------------------------------
    def resolve_dotted(self, dotted: str, depth: int = 0) -> tuple:
        cached = self._dotted.get(dotted)
        if cached is not None:
            return cached
        self._dotted[dotted] = UNRESOLVED  # cycle guard
        result = self._resolve_dotted(dotted, depth)
        self._dotted[dotted] = result
        return result

    def _resolve_dotted(self, dotted: str, depth: int) -> tuple:
        if depth > 20:
            return UNRESOLVED
        parts = dotted.split(".")
        for i in range(len(parts), 0, -1):
            mod = ".".join(parts[:i])
            if mod in self.modules:
                path = self.modules[mod]
                if path is None:
                    return UNRESOLVED
                rest = parts[i:]
                if not rest:
                    return ("module", path)
                return self.resolve_in_module(path, rest, depth)
        if parts[0] in self.roots:
            return UNRESOLVED
        return EXTERNAL

    def resolve_in_module(self, path: str, rest: list[str], depth: int) -> tuple:
        f = self.facts[path]
        name = rest[0]
        bind = f.bindings.get(name)
        if bind is None:
            # star imports, the last one first (it wins); a repository module that does not have
            # the name is passed over, one that cannot be resolved makes the name unresolvable
            unresolved = False
            for star in reversed(f.stars):
                res = self.resolve_dotted(".".join([star, *rest]), depth + 1)
                if res is UNRESOLVED:
                    star_path = self.modules.get(star)
                    if star_path is None or name in self.facts[star_path].bindings or self.facts[star_path].stars:
                        unresolved = True
                    continue
                if res is not EXTERNAL:
                    return res
            if unresolved:
                return UNRESOLVED
            if f.stars:
                return EXTERNAL
            sub = f"{f.module}.{name}"
            if sub in self.modules or f.is_package:
                return self.resolve_dotted(".".join([sub, *rest[1:]]), depth + 1) if sub in self.modules else UNRESOLVED
            return UNRESOLVED
        kind = bind[0]
        if kind == "def":
            if len(rest) == 1:
                return ("func", f"{path}:{bind[1]}") if bind[2] else OTHER
            return OTHER
        if kind == "class":
            cid = f"{path}:{bind[1]}"
            return self.class_member(cid, rest[1:])
        if kind == "import":
            return self.resolve_dotted(".".join([bind[1], *rest[1:]]), depth + 1)
        if kind == "instance" and len(rest) == 2 and bind[1] is not None:
            if (path, name) in self.replaced:
                return ("replaced", path, name)
            return ("method", bind[1], rest[1], "KX")
        if kind == "multi":
            return UNRESOLVED
        if len(rest) == 1:
            return OTHER
        return UNRESOLVED  # an attribute of a module-level object of unknown class

    def class_member(self, cid: str, rest: list[str]) -> tuple:
        if not rest:
            return ("class", cid)
        if len(rest) == 1:
            return ("method", cid, rest[0], "KX")
        nested = f"{cid}.{rest[0]}"
        if nested in self.classes:
            return self.class_member(nested, rest[1:])
        return OTHER

    def class_node(self, ref: str | None) -> tuple:
        """A class ref as an MRO node: ("repo", id) | ("ext", dotted) | ("unknown", text)."""
        if ref is None:
            return ("unknown", "?")
        if ":" in ref:
            if ref in self.classes:
                return ("repo", ref)
            return ("unknown", ref.split(":", 1)[1])
        res = self.resolve_dotted(ref)
        if res[0] == "class":
            return ("repo", res[1])
        if res is EXTERNAL:
            return ("ext", ref)
        return ("unknown", ref)

    # -- classes --------------------------------------------------------------------------------
    def bases(self, cid: str) -> list[tuple]:
        _, c = self.classes[cid]
        out = []
        for ref, text in zip(c.bases, c.base_texts):
            node = self.class_node(ref)
            if node[0] == "unknown":
                node = ("unknown", text)
            if node != ("ext", "builtins.object"):
                out.append(node)
        return out

    def mro(self, cid: str) -> list[tuple]:
        if cid in self._mro:
            return self._mro[cid]
        self._mro[cid] = [("repo", cid)]  # cycle guard
        seqs = []
        bases = self.bases(cid)
        for b in bases:
            seqs.append(list(self.mro(b[1])) if b[0] == "repo" else [b])
        seqs.append(list(bases))
        result = [("repo", cid)]
        seqs = [s for s in seqs if s]
        while seqs:
            for s in seqs:
                head = s[0]
                if not any(head in other[1:] for other in seqs):
                    break
            else:  # inconsistent hierarchy: fall back to depth-first order
                for s in seqs:
                    for n in s:
                        if n not in result:
                            result.append(n)
                break
            result.append(head)
            seqs = [[n for n in s if n != head] for s in seqs]
            seqs = [s for s in seqs if s]
        self._mro[cid] = result
        return result

    def subclasses(self, cid: str) -> list[str]:
        if self._subs is None:
            direct: dict[str, list[str]] = defaultdict(list)
            for other in self.classes:
                for b in self.bases(other):
                    if b[0] == "repo":
                        direct[b[1]].append(other)
            self._subs = dict(direct)
        out, stack, seen = [], [cid], {cid}
        while stack:
            for s in self._subs.get(stack.pop(), ()):
                if s not in seen:
                    seen.add(s)
                    out.append(s)
                    stack.append(s)
        return sorted(out)

    def is_protocol(self, cid: str) -> bool:
        """A protocol class lists Protocol among its own bases (its explicit subclasses are nominal)."""
        return any(n[0] == "ext" and n[1] in PROTOCOLS for n in self.bases(cid))

    def external_subclasses(self, dotted: str) -> list[str]:
        """Repository classes with the external class ``dotted`` in their MRO."""
        if self._ext_subs is None:
            self._ext_subs = defaultdict(list)
            for cid in sorted(self.classes):
                for n in self.mro(cid):
                    if n[0] == "ext":
                        self._ext_subs[n[1]].append(cid)
        return self._ext_subs.get(dotted, [])

    def declares(self, node: tuple, attr: str) -> bool | None:
        if node[0] == "repo":
            return attr in self.classes[node[1]][1].members
        if node[0] == "ext":
            return stdlib_declares(node[1], attr)
        return None

    def lookup_in(self, cid: str, attr: str, after: str | None = None) -> tuple:
        """``attr`` looked up along the MRO of ``cid`` (after class ``after``): the declaring node or None."""
        order = self.mro(cid)
        if after is not None:
            if ("repo", after) not in order:
                return ("unknown", after)
            order = order[order.index(("repo", after)) + 1 :]
        for node in order:
            d = self.declares(node, attr)
            if d:
                return node
            if d is None:
                return node if node[0] == "ext" else ("unknown", node[1])
        return ("notfound", cid)

    def method_targets(self, kind: str, classref: str, attr: str) -> tuple[list[str], str | None, bool]:
        """Methods a reference may reach: (repo method ids, why it may reach something else or None,
        whether what else it may reach is only methods; False when the receiver may be a module)."""
        key = (kind, classref, attr)
        if key not in self._lookup:
            self._lookup[key] = self._method_targets(kind, classref, attr)
        return self._lookup[key]

    def _method_targets(self, kind: str, classref: str, attr: str) -> tuple[list[str], str | None, bool]:
        node = self.class_node(classref)
        shown = classref.split(":")[-1]
        if kind == "KA" and classref in MODULE_TYPES:
            return [], f"its annotation {shown} matches any module with a {attr}()", False
        if kind == "KA" and (classref in ANYTHING or (node[0] == "repo" and self.is_protocol(node[1]))):
            return [], f"its annotation {shown} matches any object with a .{attr}()", classref not in ANYTHING
        if node[0] == "ext" and kind == "KX" and (node[1] == "builtins.type" or not is_external_class(node[1])):
            # ``x = copy.copy(conn)``, ``m = importlib.import_module(name)``, ``k = type(...)``: a function
            # outside the repository may return any object, a module or a class made on the fly
            return [], f"it comes from {shown}(), which may return any object (a module too)", False
        if node[0] == "ext" and kind == "KA":
            starts = self.external_subclasses(node[1])
            cid = None
        elif node[0] != "repo":
            return [], (None if node[0] == "ext" else f"its class {shown} cannot be resolved"), True
        else:
            cid = node[1]
            starts = [cid] if kind == "KX" else [cid, *self.subclasses(cid)]
        targets: list[str] = []
        why = None
        for start in starts:
            found = self.lookup_in(start, attr, after=cid if kind == "U" else None)
            if found[0] == "repo":
                if self.classes[found[1]][1].qual and f"{found[1]}.{attr}" not in targets:
                    targets.append(f"{found[1]}.{attr}")
            elif found[0] == "ext":
                if kind != "KX" and why is None:
                    why = f"it may reach {attr}() of {found[1]}, a base class outside the repository"
            elif why is None:
                name = self.classes[cid or start][1].name
                why = (
                    f"{name} does not define {attr}(), so self.{attr} may be another class's method"
                    if found[0] == "notfound"
                    else f"a base class of {name} cannot be resolved"
                )
        return targets, why, True

    # -- references -----------------------------------------------------------------------------
    def reference(self, f: FileFacts, ref: tuple) -> tuple[list[str], str | None, bool]:
        """(candidate ids the reference reaches, why it may reach something else, whether that something
        else can only be a method). A reason with no targets blocks every candidate of the name."""
        name, kind, value = ref[0], ref[1], ref[2]
        if kind == "X":
            targets: list[str] = []
            for sub_kind, sub_value in value:
                sub, _, _ = self.reference(f, (name, sub_kind, sub_value))
                targets.extend(t for t in sub if t not in targets)
            return targets, f"the name it is called through is bound more than once in {f.path} (a conditional import, a walrus, a global store?)", False
        if kind == "E":
            return ([value] if value in self.defs else []), None, False
        if kind == "D" or kind == "S":
            if kind == "S":
                res = EXTERNAL
                for star in f.stars:
                    r = self.resolve_dotted(f"{star}.{name}")
                    if r is not EXTERNAL:
                        res = r
                        break
            else:
                res = self.resolve_dotted(value)
            if res[0] == "func":
                return ([res[1]] if res[1] in self.defs else []), None, False
            if res[0] == "method":
                return self.method_targets(res[3], res[1], res[2])
            if res[0] == "replaced":
                where = self.replaced[(res[1], res[2])]
                shown = value.rsplit(".", 1)[0]
                return [], f"{shown} is replaced from {where[0]}:{where[1]}, so its class cannot be known", False
            if res is UNRESOLVED:
                shown = value if kind == "D" else name
                return [], f"{shown} cannot be resolved to a definition in the repository", False
            return [], None, False
        if kind == "KG":
            classref, glob = value
            where = self.replaced.get((f.path, glob))
            if where is not None:
                return [], f"{f.module}.{glob} is replaced from {where[0]}:{where[1]}, so its class cannot be known", False
            return self.method_targets("KX", classref, name)
        if kind in ("KS", "KX", "KA", "U"):
            return self.method_targets(kind, value[0] if kind == "KA" else value, name)
        # unknown receiver: any method of that name, and any module-level function of that name too
        # (the receiver may be a module object: ``for part in (a, b): await part.main()``)
        return [], f"the receiver {value} could be any object", False
