# corpus: await-free
# expect: unchanged
# skip: getattr
"""The bot dispatches `/name` to `commands.cmd_<name>` with a computed getattr; the daily digest calls
`cmd_status` directly. The computed name can reach every `cmd_` function: they stay coroutines."""

import asyncio

import commands


async def dispatch(line):
    name, *args = line.lstrip("/").split()
    handler = getattr(commands, f"cmd_{name}", None)
    if handler is None:
        return f"unknown command {name}"
    return await handler(args)


async def digest():
    return "digest: " + await commands.cmd_status([])


async def main():
    for line in ("/status", "/restart", "/status", "/nope"):
        print(await dispatch(line))
    print(await digest())


asyncio.run(main())
