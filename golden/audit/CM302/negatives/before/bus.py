async def route(bus, client, line, urgent):
    if urgent:  # not exhaustive: no else
        await bus.post("ops/pager", line)
    if urgent:  # different callables
        await bus.post("ops/pager", line)
    else:
        await bus.log(line)
    match line:
        case "/quit":  # no `case _:`
            await bus.post("bye", line)
        case "/part":
            await bus.post("part", line)
    if urgent:  # the same call in every arm: nothing differs
        await bus.post("x", line)
    else:
        await bus.post("x", line)


def sync_route(bus, urgent):
    if urgent:
        bus.post("a")
    else:
        bus.post("b")
