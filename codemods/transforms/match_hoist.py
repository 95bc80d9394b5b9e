"""match-hoist: one await after a `match` / `if` chain instead of one await per arm (opt-in).

It rewrites only where the result reads better and behaves the same: the arms differ only in literals
or plain names (so binding them first changes neither the order of evaluation nor which exception
surfaces), the arms repeat at least one common argument (real duplication), and each bound value
gets the name of the keyword or parameter it is passed as.
"""

from __future__ import annotations

import ast
import functools
from dataclasses import dataclass, field
from typing import Sequence, Union

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider, ScopeProvider

from . import register
from ._shared import Positions, dotted_name, identifier_from, is_usable_name, names_in
from ._shared.lazy import matchers as m
from .base import SAFE, RewriteContext, SourceInfo, Transform

_EMPTY = cst.Module(body=[])

@functools.cache
def _patterns() -> dict:
    """The matcher patterns, built on first use (see :mod:`._shared.lazy`)."""
    await_call = m.Await(expression=m.Call())
    return {
        # the tail of an arm: `await f(...)`, `x = await f(...)`, `return await f(...)`
        "tail": m.Expr(value=await_call) | m.Assign(value=await_call) | m.Return(value=await_call),
        # evaluating these can run arbitrary code (and so rebind or mutate what is evaluated around them)
        "effectful": (
            m.Call() | m.Await() | m.Yield() | m.NamedExpr()
            | m.ListComp() | m.SetComp() | m.DictComp() | m.GeneratorExp()
        ),
        "constant": (
            m.Integer() | m.Float() | m.Imaginary() | m.SimpleString() | m.ConcatenatedString()
            | m.Name("True") | m.Name("False") | m.Name("None")
            | m.UnaryOperation(operator=m.Minus(), expression=m.Integer() | m.Float())
        ),
    }


_FORM_TEXT = {"expr": "`await ...`", "assign": "`x = await ...`", "return": "`return await ...`"}
SAFE_WHY = (
    "the arms differ only in literals or names, bound where the call was: nothing is evaluated in another "
    "order and the same exception surfaces first"
)

Compound = Union[cst.If, cst.Match]


def _code(node: cst.CSTNode) -> str:
    return _EMPTY.code_for_node(node)


def _key(expr: cst.CSTNode) -> str:
    """A comparison key that ignores formatting, comments and quote style."""
    code = _code(expr).strip()
    try:
        return ast.dump(ast.parse(f"(\n{code}\n)", mode="eval").body)
    except SyntaxError:  # pragma: no cover - LibCST produced it, CPython reads it
        return code


def _short(expr: cst.CSTNode, limit: int = 40) -> str:
    text = " ".join(_code(expr).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _literal(expr: cst.BaseExpression, names: bool = False, imported: frozenset[str] = frozenset()) -> bool:
    """A value whose evaluation runs no code and cannot raise: a constant, or a tuple, list or dict
    (with constant keys) of them. With ``names``, reads count too: a plain name, or a constant reached
    through an imported module or class (``const.CALL_TYPE_COIL``, ``Command.OFF``: the root ``imported``)."""
    if m.matches(expr, _patterns()["constant"]):
        return True
    if isinstance(expr, cst.Name):
        return names
    if isinstance(expr, cst.Attribute):
        root = dotted_name(expr)
        return names and root is not None and root.split(".", 1)[0] in imported
    if isinstance(expr, (cst.Tuple, cst.List)):
        return all(isinstance(e, cst.Element) and _literal(e.value, names, imported) for e in expr.elements)
    if isinstance(expr, cst.Dict):
        return all(
            isinstance(e, cst.DictElement) and m.matches(e.key, _patterns()["constant"]) and _literal(e.value, names, imported)
            for e in expr.elements
        )
    return False


# names under which a string is a message for a person (it reads best beside the call that shows it)
_MESSAGE_NAMES = {
    "msg", "message", "text", "error", "err", "reason", "detail", "details", "description", "title",
    "summary", "note", "warning", "caption", "label", "status_text",
}


def _message(expr: cst.BaseExpression, name: str | None) -> bool:
    """A string literal that is a message: bound to a message-like name, or reading as a sentence
    ("Device not found", "connection lost, retrying"; not "SELECT * FROM items" nor "sensors/temp")."""
    if not isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        return False
    value = expr.evaluated_value
    if not isinstance(value, str):
        return False
    if name is not None and name.lower() in _MESSAGE_NAMES:
        return True
    words = value.split()
    return len(words) >= 2 and not words[0].isupper() and any(w.isalpha() and w.islower() for w in words[1:])


@dataclass
class _Leaf:
    """One arm's final await."""

    line: cst.SimpleStatementLine | cst.SimpleStatementSuite  # the line that holds it
    small: cst.BaseSmallStatement  # the Expr / Assign / Return
    form: str  # "expr" | "assign" | "return"
    call: cst.Call


@dataclass
class _Skip:
    node: cst.CSTNode
    reason: str


@dataclass
class _Plan:
    """An eligible statement: where to bind what, and the await to put after it."""

    stmt: Compound
    leaves: list[_Leaf]
    nested: list[Compound]
    differing: list[int]  # argument indexes that differ between arms, in evaluation order
    names: list[str] = field(default_factory=list)
    comment: cst.TrailingWhitespace | None = None  # the arms' common trailing comment: goes with the await


def _arms(stmt: Compound) -> tuple[list[cst.BaseSuite], bool]:
    """The bodies of the statement's arms, and whether one of them always runs."""
    if isinstance(stmt, cst.Match):
        last = stmt.cases[-1]
        irrefutable = last.guard is None and m.matches(last.pattern, m.MatchAs(pattern=None))
        return [c.body for c in stmt.cases], irrefutable
    bodies: list[cst.BaseSuite] = []
    node: cst.If | cst.Else | None = stmt
    while isinstance(node, cst.If):
        bodies.append(node.body)
        node = node.orelse
    if isinstance(node, cst.Else):
        bodies.append(node.body)
        return bodies, True
    return bodies, False


def _body_statements(body: cst.BaseSuite) -> Sequence[cst.CSTNode]:
    return body.body if isinstance(body, cst.IndentedBlock) else [body]


def _early_exit(node: cst.CSTNode, in_loop: bool = False) -> cst.CSTNode | None:
    """A return/raise (or a break/continue of an enclosing loop) inside `node`, if any."""
    if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
        return None
    if isinstance(node, (cst.Return, cst.Raise)):
        return node
    if isinstance(node, (cst.Break, cst.Continue)):
        return None if in_loop else node
    if isinstance(node, (cst.For, cst.While)):
        return _early_exit(node.body, True) or (node.orelse and _early_exit(node.orelse, in_loop)) or None
    for child in node.children:
        found = _early_exit(child, in_loop)
        if found is not None:
            return found
    return None


def _trailing(leaf: _Leaf) -> cst.TrailingWhitespace | None:
    line = leaf.line
    return line.trailing_whitespace if isinstance(line, cst.SimpleStatementLine) else None


class _Analyzer:
    """Decides, on the LibCST tree, which statements can be hoisted."""

    def __init__(self, positions: Positions, imported: frozenset[str] = frozenset()) -> None:
        self.positions = positions
        self.imported = imported  # names the module binds by a top-level import

    def line(self, node: cst.CSTNode) -> int:
        return self.positions.line(node)

    def collect(self, stmt: Compound) -> tuple[list[_Leaf], list[Compound]] | _Skip | None:
        """Every path's final await (None: not a candidate; _Skip: a candidate left alone)."""
        bodies, exhaustive = _arms(stmt)
        if len(bodies) < 2:
            return None
        leaves: list[_Leaf] = []
        nested: list[Compound] = []
        exits: list[tuple[cst.BaseSuite, cst.CSTNode]] = []
        for body in bodies:
            statements = _body_statements(body)
            if not statements:
                return None
            last = statements[-1]
            before: list[cst.CSTNode] = list(statements[:-1])
            if isinstance(last, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                small = last.body[-1]
                if not m.matches(small, _patterns()["tail"]):
                    return None
                before.extend(last.body[:-1])
                form = "expr" if isinstance(small, cst.Expr) else "assign" if isinstance(small, cst.Assign) else "return"
                leaves.append(_Leaf(last, small, form, small.value.expression))  # type: ignore[attr-defined]
            elif isinstance(last, (cst.If, cst.Match)):
                inner = self.collect(last)
                if not isinstance(inner, tuple):
                    return None
                leaves.extend(inner[0])
                nested.append(last)
                nested.extend(inner[1])
            else:
                return None
            for node in before:
                found = _early_exit(node)
                if found is not None:
                    exits.append((body, found))
                    break
        if not exhaustive:
            if isinstance(stmt, cst.Match):
                return _Skip(stmt, "the last `case` is not irrefutable (`case _:` or a bare capture, without a guard): "
                             "a subject that no case matches would now reach the await")
            return _Skip(stmt, "the `if` chain has no `else`: the path that takes no branch would now reach the await")
        if exits:
            found = exits[0][1]
            word = type(found).__name__.lower()
            return _Skip(stmt, f"an arm can leave early (`{word}` at line {self.line(found)}) before its final await")
        return leaves, nested

    def check(self, stmt: Compound) -> _Plan | _Skip | None:
        collected = self.collect(stmt)
        if not isinstance(collected, tuple):
            return collected
        leaves, nested = collected
        forms = sorted({leaf.form for leaf in leaves})
        if len(forms) > 1:
            shown = ", ".join(_FORM_TEXT[f] for f in forms)
            return _Skip(stmt, f"the arms end in different forms ({shown}): nothing to collapse")
        if forms[0] == "assign":
            targets = {tuple(_key(t.target) for t in leaf.small.targets) for leaf in leaves}  # type: ignore[attr-defined]
            if len(targets) > 1:
                return _Skip(stmt, "the arms assign the awaited result to different targets")
        callees = [leaf.call.func for leaf in leaves]
        keys = list(dict.fromkeys(_key(c) for c in callees))
        if len(keys) > 1:
            seen = list(dict.fromkeys(_short(c) for c in callees))
            shown = ", ".join(f"`{s}`" for s in seen[:3]) + (", ..." if len(seen) > 3 else "")
            return _Skip(stmt, f"the arms await different callables ({shown}): nothing to collapse")
        callee = callees[0]
        name = _short(callee)
        if dotted_name(callee) is None:
            return _Skip(stmt, f"the awaited callable `{name}` is not a name or an attribute chain: "
                         "evaluating it once instead of in each arm could change what runs")
        shapes = {tuple((a.star, a.keyword.value if a.keyword else None)
                        for a in leaf.call.args) for leaf in leaves}
        if len(shapes) > 1:
            return _Skip(stmt, f"the arms pass different argument lists to `{name}` (count, keywords or unpacking differ)")
        first = leaves[0].call.args
        differing = [i for i in range(len(first)) if len({_key(leaf.call.args[i].value) for leaf in leaves}) > 1]
        if not differing:
            return _Skip(stmt, f"every arm awaits the same call `{_short(leaves[0].call)}`: nothing differs to bind")
        if any(first[i].star for i in differing):
            return _Skip(stmt, f"the arms differ in an unpacked `*`/`**` argument of `{name}`")
        if len(differing) == len(first):
            return _Skip(stmt, f"the arms differ in every argument of `{name}`: hoisting would remove no duplication, "
                         "only move the values away from their call")
        # Binding a differing argument in its arm evaluates it before the callee and the common
        # arguments that precede it (CPython evaluates the callee, then positional arguments and `*`
        # unpacking, then keywords and `**`, each group left to right). That keeps the order only when
        # the moved value runs no code and cannot raise (a literal), or is a plain name read and what it
        # moves before runs no code (no call that could rebind it).
        rank = {j: r for r, j in enumerate(sorted(range(len(first)), key=lambda j: (
            first[j].keyword is not None or first[j].star == "**", j)))}
        differing.sort(key=rank.__getitem__)
        for i in differing:
            passed = [j for j in range(len(first)) if rank[j] < rank[i] and j not in differing]
            moved_before = [callee, *(first[j].value for j in passed)]
            reads_only = not any(m.findall(e, _patterns()["effectful"]) for e in moved_before)
            for leaf in leaves:
                value = leaf.call.args[i].value
                if _literal(value, reads_only, self.imported):
                    continue
                what = f"`{name}`" + (" and the arguments before it" if passed else "")
                return _Skip(stmt, f"the differing argument `{_short(value)}` (line {self.line(value)}) would be evaluated "
                             f"before {what}: the order of evaluation, and which exception surfaces first, could change")
        # comments in the calls of all arms but the first would be lost (the first arm's call is kept)
        for leaf in leaves[1:]:
            for i in range(len(first)):
                if i not in differing and m.findall(leaf.call.args[i], m.Comment()):
                    return _Skip(stmt, f"a comment inside the call at line {self.line(leaf.call)} would be lost")
            if m.findall(leaf.call.func, m.Comment()) or m.findall(leaf.call.whitespace_before_args, m.Comment()):
                return _Skip(stmt, f"a comment inside the call at line {self.line(leaf.call)} would be lost")
        plan = _Plan(stmt, leaves, nested, differing)
        comments = {_code(t) if t is not None else "" for t in map(_trailing, leaves)}
        if len(comments) == 1 and _trailing(leaves[0]) is not None and _trailing(leaves[0]).comment is not None:
            plan.comment = _trailing(leaves[0])  # the same comment on every arm's call: it is about the call
        return plan


class _Candidates(cst.CSTVisitor):
    """Walks the tree outside-in; an eligible statement consumes the chains nested in its arms."""

    def __init__(self, analyzer: _Analyzer) -> None:
        self.analyzer = analyzer
        self.functions: list[cst.CSTNode] = []
        self.consumed: set[int] = set()
        self.results: list[tuple[_Plan | _Skip, cst.CSTNode | None]] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(node)

    def leave_FunctionDef(self, original_node: cst.FunctionDef) -> None:
        self.functions.pop()

    def visit_If(self, node: cst.If) -> None:
        if isinstance(node.orelse, cst.If):
            self.consumed.add(id(node.orelse))  # an elif is part of this chain
        self._visit(node)

    def visit_Match(self, node: cst.Match) -> None:
        self._visit(node)

    def _visit(self, node: Compound) -> None:
        if id(node) in self.consumed:
            return
        result = self.analyzer.check(node)
        if result is None:
            return
        if isinstance(result, _Plan):
            self.consumed.update(id(n) for n in result.nested)
        self.results.append((result, self.functions[-1] if self.functions else None))


def _signatures(module: cst.Module) -> tuple[dict[str, list[list[str | None]]], dict[str, list[list[str | None]]]]:
    """Positional parameter names of the file's functions and methods, by name (self/cls dropped)."""
    functions: dict[str, list[list[str | None]]] = {}
    methods: dict[str, list[list[str | None]]] = {}

    def params(fn: cst.FunctionDef, drop_first: bool) -> list[str | None]:
        names: list[str | None] = [p.name.value for p in (*fn.params.posonly_params, *fn.params.params)]
        if drop_first:
            names = names[1:]
        if isinstance(fn.params.star_arg, cst.Param):
            names.append(None)  # positions from here on land in *args
        return names

    def walk(body: Sequence[cst.CSTNode], in_class: bool) -> None:
        for stmt in body:
            if isinstance(stmt, cst.FunctionDef):
                if in_class:
                    static = any(m.matches(d.decorator, m.Name("staticmethod")) for d in stmt.decorators)
                    methods.setdefault(stmt.name.value, []).append(params(stmt, not static))
                else:
                    functions.setdefault(stmt.name.value, []).append(params(stmt, False))
            elif isinstance(stmt, cst.ClassDef):
                walk(_body_statements(stmt.body), True)

    walk(module.body, False)
    return functions, methods


def _param_name(callee: cst.BaseExpression, index: int, sigs) -> str | None:
    functions, methods = sigs
    table = functions if isinstance(callee, cst.Name) else methods
    last = callee.value if isinstance(callee, cst.Name) else callee.attr.value  # type: ignore[attr-defined]
    found: set[str | None] = set()
    for names in table.get(last, []):
        pos = min(index, len(names) - 1) if names and names[-1] is None else index
        found.add(names[pos] if 0 <= pos < len(names) else None)
    if len(found) == 1:
        return found.pop()
    return None


class _Rewriter(cst.CSTTransformer):
    def __init__(self, plans: list[_Plan]) -> None:
        self.hoist: dict[int, cst.SimpleStatementLine] = {}
        self.bind: dict[int, tuple[list[cst.Assign], bool]] = {}  # leaf -> its bindings, keep its comment?
        for plan in plans:
            self.hoist[id(plan.stmt)] = self._hoisted(plan)
            for leaf in plan.leaves:
                assigns = [_assign(name, leaf.call.args[i].value) for i, name in zip(plan.differing, plan.names)]
                self.bind[id(leaf.small)] = (assigns, plan.comment is None)

    @staticmethod
    def _hoisted(plan: _Plan) -> cst.SimpleStatementLine:
        leaf = plan.leaves[0]
        args = list(leaf.call.args)
        for i, name in zip(plan.differing, plan.names):
            args[i] = args[i].with_changes(value=cst.Name(name))
        call = leaf.call.with_changes(args=args)
        value = leaf.small.value.with_changes(expression=call)  # type: ignore[attr-defined]
        small = leaf.small.with_changes(value=value, semicolon=cst.MaybeSentinel.DEFAULT)
        if plan.comment is not None:
            return cst.SimpleStatementLine(body=[small], trailing_whitespace=plan.comment)
        return cst.SimpleStatementLine(body=[small])

    def _replace(self, original: Sequence[cst.BaseSmallStatement]):
        if not original or id(original[-1]) not in self.bind:
            return None
        return self.bind[id(original[-1])]

    def leave_SimpleStatementLine(self, original_node, updated_node):
        found = self._replace(original_node.body)
        if found is None:
            return updated_node
        assigns, keep_comment = found
        head = list(updated_node.body[:-1])
        trailing = updated_node.trailing_whitespace if keep_comment else cst.TrailingWhitespace()
        if head:  # `log(); await f(x)` -> `log(); x = ...`
            return updated_node.with_changes(body=[*head, *assigns], trailing_whitespace=trailing)
        # the line's leading comments stay on the first binding, its trailing comment on the last
        lines = [cst.SimpleStatementLine(body=[a]) for a in assigns]
        lines[0] = lines[0].with_changes(leading_lines=updated_node.leading_lines)
        lines[-1] = lines[-1].with_changes(trailing_whitespace=trailing)
        return cst.FlattenSentinel(lines)

    def leave_SimpleStatementSuite(self, original_node, updated_node):
        found = self._replace(original_node.body)
        if found is None:
            return updated_node
        assigns, keep_comment = found
        changes = {} if keep_comment else {"trailing_whitespace": cst.TrailingWhitespace()}
        return updated_node.with_changes(body=[*updated_node.body[:-1], *assigns], **changes)

    def _leave_compound(self, original_node, updated_node):
        hoisted = self.hoist.get(id(original_node))
        if hoisted is None:
            return updated_node
        return cst.FlattenSentinel([updated_node, hoisted])

    leave_If = _leave_compound
    leave_Match = _leave_compound


def _assign(name: str, value: cst.BaseExpression) -> cst.Assign:
    try:
        compile(f"{name} = {_code(value)}", "<binding>", "exec", dont_inherit=True)
    except SyntaxError:  # a value that only parsed inside the call's brackets (a line break)
        value = value.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Assign(targets=[cst.AssignTarget(target=cst.Name(name))], value=value)


@register
class MatchHoist(Transform):
    """Await once after a `match` or `if`/`elif`/`else` whose every arm ends by awaiting the same callable.

    ## What it does
    Finds `match` statements and `if`/`elif`/`else` chains whose every arm ends with an await of the
    same callable (`await f(...)`, `x = await f(...)` with the same target, or `return await f(...)`)
    with arguments that differ between the arms. Each arm binds the differing arguments to a variable
    instead, and the statement is followed by a single await. Chains nested as the last statement of an
    arm are collapsed together with the outer statement.

    Opt-in: not part of `--transform all` (in Python the hoist saves nothing at run time; it is a
    readability rewrite). Select it by name. It rewrites only where the result reads better:

    - the arms repeat at least one common argument (hoisting removes real duplication);
    - the new variable is named after the keyword it is passed as (`timeout=`), or after the callee's
      parameter when the callee is a function or method defined in the same file (or a few stdlib
      coroutine functions); a name already used in the function, or visible from it, is never reused,
      and nothing is invented (no `arg2`, no `send_verb`): without a meaningful free name, it is left
      alone;
    - the differing values are literals or plain names: a call (an un-awaited coroutine held in a
      variable), an attribute or a subscript is left in its call;
    - a differing message (a string with words) stays beside its call.

    ## Why is this bad?
    When the arms only differ in what they pass, the repeated await hides that the statement is a
    dispatch that picks arguments, and an edit to one arm's call (a new keyword, a changed timeout)
    silently misses the others.

    ## Example
    ```python
    match cmd:
        case "list":
            await client.send("LIST", timeout=1)
        case _:
            await client.send("NOOP", timeout=1)
    ```

    Use instead (when `Client.send(self, verb, timeout)` is defined in the file):
    ```python
    match cmd:
        case "list":
            verb = "LIST"
        case _:
            verb = "NOOP"
    await client.send(verb, timeout=1)
    ```

    ## Fix safety
    Safe: the order of evaluation is kept. Binding a differing argument in its arm evaluates it before
    the callee lookup and the common arguments that precede it; the fix is made only when that cannot
    be observed: every moved value is a literal (it runs no code and cannot raise), or a plain name read
    moved before a callee and arguments that call no code. Anything else is left alone, with a reason.
    Comments stay: a trailing comment stays with the last binding of its arm, or goes with the hoisted
    await when every arm carries the same one; a comment inside an arm's call that would be lost keeps
    the statement as it is.

    Also left alone, with a reason: a `match` whose last case is not irrefutable (`case _:`, a bare
    capture, no guard) and an `if` chain without `else`; an arm that can leave early (`return`, `raise`,
    `break`, `continue`) before its await; arms that await different callables, end in different forms,
    assign to different targets or pass different argument lists; a callee that is not a name or
    attribute chain; arms that differ in a `*`/`**` argument.

    A type checker infers the new variable's type from its first assignment: arms that bind values of
    different types (`"a"` in one, `None` in another) may need an annotation added by hand.
    """

    name = "match-hoist"
    fix_safety = SAFE
    rules = ("CM302",)
    in_all = False
    summary = "Bind the differing arguments in each arm of a match/if chain and await the common callable once."
    prefilter = (b"await",)

    def index(self, src: SourceInfo, tree: ast.Module):
        lines = []
        for node in ast.walk(tree):
            if isinstance(node, ast.If):
                arms = [node.body]
                cur = node
                while len(cur.orelse) == 1 and isinstance(cur.orelse[0], ast.If):
                    cur = cur.orelse[0]
                    arms.append(cur.body)
                if cur.orelse:
                    arms.append(cur.orelse)
            elif isinstance(node, ast.Match):
                arms = [c.body for c in node.cases]
            else:
                continue
            if len(arms) >= 2 and all(_ast_tail(arm[-1]) for arm in arms):
                lines.append(node.lineno)
        return tuple(sorted(set(lines))) or None

    def rewrite(self, module: cst.Module, file_plan, ctx: RewriteContext) -> cst.Module:
        wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
        positions = Positions(module, wrapper.resolve(PositionProvider))
        finder = _Candidates(_Analyzer(positions, _imported_names(module)))
        module.visit(finder)
        if not finder.results:
            return module
        plans: list[_Plan] = []
        scopes = None
        sigs = None
        taken_by_function: dict[int, set[str]] = {}
        # names this run binds, by function: reused only for the same argument of the same callee
        roles_by_function: dict[int, dict[str, tuple[str, str]]] = {}
        for result, function in finder.results:
            line, col = positions.start(result.stmt if isinstance(result, _Plan) else result.node)
            if isinstance(result, _Skip):
                ctx.skip(line, col, result.reason)
                continue
            if scopes is None:
                scopes = wrapper.resolve(ScopeProvider)
                sigs = _signatures(module)
            key = id(function)
            if key not in taken_by_function:
                taken_by_function[key] = names_in(function or module, variables=True)
            roles = roles_by_function.setdefault(key, {})
            chosen = _choose_names(result, scopes.get(result.stmt), taken_by_function[key], roles, sigs)
            if isinstance(chosen, str):
                ctx.skip(line, col, chosen)
                continue
            callee = _short(result.leaves[0].call.func)
            keyword_ = "match" if isinstance(result.stmt, cst.Match) else "if"
            bound = ", ".join(f"`{n}`" for n in chosen)
            message = (f"await `{callee}` once after the `{keyword_}` statement; each of its "
                       f"{len(result.leaves)} arms binds {bound}")
            if not ctx.fix(line, col, message, safety=SAFE, why=SAFE_WHY, unit=f"match-hoist:{line}:{col}",
                           end=positions.end(result.stmt)):
                continue
            result.names = chosen
            for name, role in zip(chosen, _roles(result)):
                roles[name] = role
            plans.append(result)
        if not plans:
            return module
        return module.visit(_Rewriter(plans))


def _imported_names(module: cst.Module) -> frozenset[str]:
    """Names bound by the module's top-level imports (not rebound by anything else at top level)."""
    out: set[str] = set()
    for stmt in module.body:
        if not isinstance(stmt, cst.SimpleStatementLine):
            continue
        for node in stmt.body:
            if isinstance(node, cst.Import):
                for alias in node.names:
                    out.add(alias.asname.name.value if alias.asname else (dotted_name(alias.name) or "").split(".")[0])  # type: ignore[union-attr]
            elif isinstance(node, cst.ImportFrom) and not isinstance(node.names, cst.ImportStar):
                for alias in node.names:
                    out.add(alias.asname.name.value if alias.asname else dotted_name(alias.name) or "")  # type: ignore[union-attr]
    return frozenset(out - {""})


def _ast_tail(stmt: ast.stmt) -> bool:
    if isinstance(stmt, (ast.If, ast.Match)):
        return True
    if isinstance(stmt, (ast.Expr, ast.Assign, ast.Return)):
        return isinstance(stmt.value, ast.Await) and isinstance(stmt.value.value, ast.Call)
    return False


def _roles(plan: _Plan) -> list[tuple[str, str]]:
    """What each bound name stands for: (callee, keyword or position)."""
    callee_key = _key(plan.leaves[0].call.func)
    args = plan.leaves[0].call.args
    return [(callee_key, args[i].keyword.value if args[i].keyword else str(i)) for i in plan.differing]


def _choose_names(plan: _Plan, scope, taken: set[str], roles: dict[str, tuple[str, str]], sigs) -> list[str] | str:
    """A name per differing argument, from its keyword or the callee's parameter; or why there is none."""
    callee = plan.leaves[0].call.func
    args = plan.leaves[0].call.args
    chosen: list[str] = []
    for i, role in zip(plan.differing, _roles(plan)):
        arg = args[i]
        base = arg.keyword.value if arg.keyword else (
            _param_name(callee, i, sigs) or _STDLIB_PARAMS.get(dotted_name(callee) or "", {}).get(i)
        )
        if base is None and any(_message(leaf.call.args[i].value, None) for leaf in plan.leaves):
            return f"the arms pass different messages to `{_short(callee)}`: a message reads best beside its call"
        if base is None:
            return (f"no meaningful name for argument {i + 1} of `{_short(callee)}`: its parameters are not "
                    "defined in this file, and an invented name would read worse than the repeated call")
        name = base if is_usable_name(base) else identifier_from(base)
        if not name or name in chosen:
            return f"the parameter name `{base}` cannot name a variable here"
        if any(_message(leaf.call.args[i].value, base) for leaf in plan.leaves):
            return f"the arms pass different messages to `{_short(callee)}`: a message reads best beside its call"
        if name in roles:  # bound by another statement of this function in this run
            if roles[name] != role:
                return f"the name `{name}` is already bound by another hoist in this function"
        elif name in taken or (scope is not None and name in scope):
            return f"the name `{name}` is already used in this function: another name would be invented"
        chosen.append(name)
    return chosen


# parameter names of a few stdlib coroutine functions often awaited in dispatch code
_STDLIB_PARAMS: dict[str, dict[int, str]] = {
    "asyncio.sleep": {0: "delay", 1: "result"},
    "asyncio.wait_for": {0: "fut", 1: "timeout"},
    "asyncio.to_thread": {0: "func"},
}
