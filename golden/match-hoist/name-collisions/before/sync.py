verb = "GLOBAL"


class Channel:
    async def send(self, verb, id):
        ...


async def relay(channel, cmd, value):
    # `verb` is a global read below and `id` a builtin: neither may be shadowed
    if cmd == "get":
        await channel.send("GET", value)
    else:
        await channel.send("PUT", value + 1)
    print(verb)


async def relay_twice(channel, cmd):
    match cmd:
        case "a":
            await channel.send("A", 1)
        case _:
            await channel.send("B", 2)
    if cmd:
        await channel.send("C", 3)
    else:
        await channel.send("D", 4)
