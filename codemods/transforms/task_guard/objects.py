"""Planning for a task stored on `self`: it belongs to the object, so the object's close method cancels it.

`self.attr = spawn(...)` that the class never uses otherwise (awaits, cancels, passes on...) gets
`if self.attr is not None: self.attr.cancel()` first thing in the class's `aclose()` / `close()` /
`stop()` / `__aexit__()`, when `__init__` sets the attribute, and when no other method calls that close
method without starting the task again (`reconnect()`: the task must survive it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import libcst as cst

from ...model import UNSAFE
from . import reasons
from .ownership import CLOSE_METHODS, ENDING_NAMES, assign_target, class_uses_attr, init_sets_attr, methods_of, self_calls

if TYPE_CHECKING:
    from .planning import Planner


def plan_self_task(planner: "Planner", call: cst.Call, owner: cst.CSTNode | None) -> None:
    tree = planner.tree
    cls = tree.enclosing_class(owner) if isinstance(owner, cst.FunctionDef) else None
    attr = assign_target(tree.parent(call)).attr.value  # type: ignore[union-attr]
    if cls is None or not isinstance(cls.body, cst.IndentedBlock):
        planner.skip(call, reasons.SELF_NO_CLOSE.format(cls="its class"))
        return
    if class_uses_attr(cls, attr):
        return  # awaited, cancelled, passed on... somewhere in the class: owned
    methods = methods_of(cls)
    close = next((methods[m] for m in CLOSE_METHODS if m in methods), None)
    if close is None:
        planner.skip(call, reasons.SELF_NO_CLOSE.format(cls=cls.name.value))
        return
    cname = cls.name.value
    where = f"{cname}.{close.name.value}()"
    init = methods.get("__init__")
    if init is None or not init_sets_attr(init, attr):
        planner.skip(call, reasons.SELF_UNSET.format(cls=cname, attr=attr, where=where))
        return
    if close is owner or not isinstance(close.body, cst.IndentedBlock):
        planner.skip(call, reasons.SELF_CLOSE_IS_SPAWNER.format(where=where))
        return
    spawner = owner.name.value  # type: ignore[union-attr]
    reusers = [
        name for name, m in methods.items()
        if name not in ENDING_NAMES and m is not owner and close.name.value in self_calls(m) and spawner not in self_calls(m)
    ]
    if reusers:
        planner.skip(call, reasons.SELF_CLOSE_REUSED.format(
            where=where, callers=", ".join(f"{n}()" for n in reusers), close=close.name.value, first=reusers[0],
        ))
        return

    def accept() -> None:
        attrs = planner.plan.closes.setdefault(close, [])
        if attr not in attrs:
            attrs.append(attr)

    why = reasons.SELF_CANCELLED_WHY.format(where=where)
    message = reasons.SELF_CANCELLED.format(attr=attr, where=where)
    planner.offer(call, message, UNSAFE, why, f"close:{tree.positions.line(close)}", accept, lambda: None)
