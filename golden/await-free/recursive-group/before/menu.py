import asyncio


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


async def size(node):
    return 1 + sum([await size(child) for child in (node or {}).values()])


async def show(menu):
    await asyncio.sleep(0)
    return await render_menu(menu), await size(menu)
