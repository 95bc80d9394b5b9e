async def main(server, argv):
    match argv:
        case ["serve"]:
            await server.serve_forever()
        case ["check"]:
            await server.check()
        case _:
            await server.usage()


async def tail(client, follow):
    if follow:
        await client.stream("log")
    else:
        lines = await client.stream("log")


async def pick(handlers, name):
    # the callee is computed: evaluating it once could change what runs
    if name:
        await handlers[name](1)
    else:
        await handlers[name](2)
