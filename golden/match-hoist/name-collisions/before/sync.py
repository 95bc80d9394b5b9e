verb = "GLOBAL"


class Channel:
    async def send(self, verb, id, *, retries=0):
        ...


async def relay(channel, cmd, value):
    # `verb` is a global read below: it may not be shadowed, and no other name is invented
    if cmd == "get":
        await channel.send("GET", value, retries=2)
    else:
        await channel.send("PUT", value, retries=2)
    print(verb)


async def relay_twice(channel, cmd):
    # `id` is a builtin: the variable is `id_`
    match cmd:
        case "a":
            await channel.send("A", 1)
        case _:
            await channel.send("A", 2)
    if cmd:
        await channel.send("C", 3)
    else:
        await channel.send("C", 4)
