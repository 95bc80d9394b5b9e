"""What ``index`` records about one file: plain, picklable data (no AST nodes), cached by content hash.

A reference is a tuple ``(name, kind, value, line, col, use, await_line, await_col)``:

``name``
    the identifier referenced (a function's or a method's name)
``kind`` / ``value``
    ``"E"``  an entity id (``"path:qualname"``) of an async def of the same file;
    ``"D"``  a dotted name to resolve across modules (``"pkg.mod.f"``, ``"pkg.mod.C.m"``);
    ``"S"``  None: a name that only a star import can bind;
    ``"X"``  a tuple of ``(kind, value)``: a name bound several times, each binding it may be;
    ``"KS"`` a class ref; the receiver is self/cls of that class (or of a subclass);
    ``"KX"`` a class ref; the receiver is that very class or an instance of it;
    ``"KG"`` ``(class ref, global name)``: the receiver is a module-level instance of that class, which
    another module may replace (``mailer.transport = Fake()``);
    ``"KA"`` ``(class ref, parameter name)``: the receiver is a parameter annotated with that class;
    ``"U"``  a class ref; the receiver is ``super()`` inside that class;
    ``"?"``  the receiver's text: an object of unknown class (a module, even).
``use``
    None for ``await name(...)``; otherwise how it is used, for the skip reason.
``await_line`` / ``await_col``
    position of the ``await`` keyword to remove (character column, 0-based).

A class ref is an entity id (``"path:Qual"``, contains ``:``) or a dotted name.

Module-level bindings: ``("def", qual, is_async)`` | ``("class", qual)`` | ``("import", dotted)`` |
``("instance", classref or None)`` | ``("other",)`` | ``("multi", (lines...))``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

Ref = tuple


@dataclass
class AsyncDef:
    qual: str  # "f", "C.m", "f.<locals>.g"
    name: str
    line: int
    col: int  # character column of the ``async`` keyword, 0-based
    cls: str | None  # qualname of the class when this is a method
    decorators: tuple[str, ...]  # dotted text of every decorator except staticmethod/classmethod
    abstract: bool
    hard: str | None  # why the body itself is asynchronous (None: only awaits of calls, maybe none)
    awaits: tuple[int, ...]  # indices into FileFacts.refs of the calls this body awaits
    # where the body can raise StopIteration itself (``next(it)`` without a default, ``raise
    # StopIteration``): a coroutine turns it into RuntimeError (PEP 479), a plain function does not
    stop_iteration: str | None = None


@dataclass
class ClassInfo:
    qual: str
    name: str
    line: int
    col: int
    bases: tuple[str | None, ...]  # class refs; None where the base expression cannot be resolved
    base_texts: tuple[str, ...]
    members: tuple[str, ...]  # names bound in the class body (methods, attributes)
    rebound: tuple[str, ...]  # names bound more than once in the class body
    decorators: tuple[str, ...] = ()  # dotted text of the class decorators
    metaclass: str | None = None  # the ``metaclass=`` expression's text
    metaclass_ref: str | None = None  # ... as a class ref, when it resolves


@dataclass
class FileFacts:
    path: str
    module: str
    is_package: bool
    defs: list[AsyncDef] = field(default_factory=list)
    classes: list[ClassInfo] = field(default_factory=list)
    bindings: dict[str, tuple] = field(default_factory=dict)  # module-level name -> binding
    stars: tuple[str, ...] = ()  # modules star-imported at module level
    all_names: tuple[str, ...] | None = None
    all_dynamic: bool = False
    refs: list[Ref] = field(default_factory=list)
    strings: dict[str, tuple[int, int, str]] = field(default_factory=dict)  # name -> (line, col, literal)
    # escapes the plan must see whatever the names involved (see exemptions.Exemptions.dynamic_escapes):
    # ``getattr(x, "on_" + event)``: (literal prefix, receiver kind, receiver value, line, col, text)
    dynamic_getattrs: list[tuple] = field(default_factory=list)
    # ``type(name, (Base,), ns)``: (class refs of the bases or None when not a literal tuple,
    # member names when ``ns`` is a literal dict or None, line, col)
    dynamic_classes: list[tuple] = field(default_factory=list)
    # ``mod.name = ...`` / ``setattr(mod, "name", ...)`` / ``patch("mod.name")``: a global of another
    # module rebound from here: (dotted module, name, line, col)
    module_stores: list[tuple[str, str, int, int]] = field(default_factory=list)
    # identifiers spelled as string literals anywhere in the file: what a computed name may spell
    words: tuple[str, ...] = ()
    # lines carrying ``# codemod: ignore`` for this transform (its defs and awaits there stay)
    suppressed: tuple[int, ...] = ()
