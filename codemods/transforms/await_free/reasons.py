"""The words await-free reports: what a reference looks like to a reviewer, and every reason it gives.

A reason names the pattern that made the tool leave a function alone, and where it is, so that a
reviewer can look at that line and decide whether to change the code (or suppress the skip).
"""

from __future__ import annotations

from .facts import AsyncDef, ClassInfo, Ref

SAFE_WHY = (
    "every reference in the repository is seen and updated; a body that never suspends runs the same "
    "when it is called directly"
)


PUBLIC_WHY = (
    "a public name: code outside this repository may await it "
    "(include-public = true when this repository is its only user)"
)


def public_name(where: str) -> str:
    return (
        f"a public name ({where}): code outside this repository may await it; converting it is an unsafe "
        "fix (--unsafe-fixes), or set include-public = true if this repository is its only user"
    )


def label(d: AsyncDef) -> str:
    return f"{d.qual}()"


def ref_text(ref: Ref) -> str:
    """``await conn.close()`` / ``conn.close(...)`` / ``conn.close``: the reference as a reviewer sees it."""
    name, kind, value, use = ref[0], ref[1], ref[2], ref[5]
    if kind == "?":
        target = f"{value}.{name}"
    elif kind == "U":
        target = f"super().{name}"
    elif kind == "KS":
        target = f"self.{name}"
    elif kind == "KA" or kind == "KG":
        target = f"{value[1]}.{name}"
    elif kind == "D":
        target = value
    else:
        target = name
    if use is None:
        return f"'await {target}()'"
    if use.startswith("called"):
        return f"'{target}()'"
    return f"'{target}'"


def converted(d: AsyncDef) -> str:
    why = "never awaits" if not d.awaits else "awaits only functions that are now plain functions"
    return f"{label(d)} {why}: async def -> def"


def await_removed(d: AsyncDef) -> str:
    return f"{label(d)} is no longer a coroutine function: await removed"


# -- what the function is ------------------------------------------------------------------------
DUNDER = "dunder method: Python calls it implicitly (async with, async for, await obj()), so its call sites cannot be updated"
ABSTRACT = "abstract method: the async signature is a contract for its implementations"
UNREFERENCED = "nothing in the repository references it: a framework or an outside caller may await it"
OUTSIDE_PATHS = "outside the paths given"


def decorated(decorator: str) -> str:
    return f"decorated with @{decorator}, which may need a coroutine function"


def stop_iteration(where: str) -> str:
    return (
        f"it can raise StopIteration ({where}): as a coroutine it raises RuntimeError instead (PEP 479), "
        "so a plain function would let StopIteration reach its callers"
    )


def rebound_in_class(name: str, c: ClassInfo) -> str:
    return f"{name} is bound more than once in class {c.name}"


def rebound_in_module(name: str, lines: str) -> str:
    return f"the name {name} is bound more than once in this module (lines {lines})"


def replaced(module: str, name: str, where: tuple[str, int]) -> str:
    return f"{module}.{name} is replaced from {where[0]}:{where[1]}: whatever replaces it may be a coroutine function"


def protocol(c: ClassInfo) -> str:
    return f"method of Protocol class {c.name}: the async signature is a contract"


def public_method(c: ClassInfo, where: str) -> str:
    return f"method of {c.name}, which is listed in __all__ of {where} (public API)"


def public_function(where: str) -> str:
    return f"listed in __all__ of {where} (public API: outside callers cannot be updated)"


# -- how classes are made ------------------------------------------------------------------------
def class_decorator(c: ClassInfo, decorator: str) -> str:
    return f"class {c.name} is decorated with @{decorator}, which may wrap or inspect its methods"


def metaclass(c: ClassInfo, meta: str, owner: ClassInfo) -> str:
    via = "" if owner is c else f" (through {owner.name})"
    return f"class {c.name} is made by metaclass {meta}{via}, whose hooks may wrap or inspect its methods"


def init_subclass(c: ClassInfo, owner: ClassInfo, where: str) -> str:
    return (
        f"{owner.name} ({where}) defines __init_subclass__, which runs when {c.name} or a subclass is "
        "created and may wrap or inspect its methods"
    )


def dynamic_class(where: str, base: str) -> str:
    return f"a subclass of {base} is made with type() at {where}: the methods it defines cannot be seen"


def dynamic_class_unknown(where: str) -> str:
    return f"a class is made with type() at {where} from bases that cannot be resolved: it may override this method"


# -- how it is used ------------------------------------------------------------------------------
def used_as_value(name: str, use: str, where: str) -> str:
    return f"used other than by 'await {name}(...)': {use} at {where}"


def may_call_else(ref: Ref, where: str, why: str) -> str:
    return f"{ref_text(ref)} at {where} may call something else: {why}"


def string_ref(literal: str, where: str) -> str:
    return f"referenced from the string {literal!r} at {where} (getattr or similar)"


def computed_name(text: str, where: str) -> str:
    return f"{text} at {where} may reach it: a computed attribute name cannot be followed"


def computed_spelled(text: str, where: str, word: str, spot: str) -> str:
    return f"{text} at {where} may reach it: its receiver could be any object, and {spot} spells {word!r}"


def suppressed_call(where: str) -> str:
    return f"its call at {where} carries `# codemod: ignore`, so it cannot be updated"


def outside_paths(where: str) -> str:
    return f"awaited at {where}, outside the paths given (run on the whole repository to convert it)"


def unparsed(path: str) -> str:
    return f"its name appears in {path}, which could not be read (its uses there cannot be seen)"
