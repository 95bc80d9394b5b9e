async def route(bus, client, line, severity):
    match line.split(maxsplit=1):
        case ["/join", room]:
            await bus.post(f"room/{room}", "joined")
        case _:
            await bus.post(f"room/{client.room}", line)
    if severity >= 3:
        result = await bus.send("ops/pager", urgent=True)
    elif severity == 2:
        result = await bus.send("ops/moderators", urgent=False)
    else:
        result = await bus.send("ops/log", urgent=False)
    return result
