# corpus: await-free
# expect: changed
# fixed: render_menu() awaits only functions that are now plain functions
# fixed: render_item() awaits only functions that are now plain functions
"""A menu renderer: two functions that call each other and never await, converted together."""

import asyncio

MENU = {"File": {"New": None, "Recent": {"a.txt": None, "b.txt": None}}, "Help": None}


async def render_menu(items, depth=0):
    lines = []
    for label, sub in items.items():
        lines.extend(await render_item(label, sub, depth))
    return lines


async def render_item(label, sub, depth):
    lines = ["  " * depth + label]
    if sub:
        lines.extend(await render_menu(sub, depth + 1))
    return lines


async def tree_size(node):  # recursion on itself
    return 1 + sum([await tree_size(child) for child in (node or {}).values()])


async def main():
    await asyncio.sleep(0)
    print("\n".join(await render_menu(MENU)))
    print("nodes:", await tree_size(MENU))


asyncio.run(main())
