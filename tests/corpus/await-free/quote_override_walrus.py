# corpus: await-free
# expect: unchanged
# skip: bound more than once
"""A quote service with a built-in price lookup that a configured remote source replaces.

The walrus rebinds `lookup` to the remote coroutine function: converting the local one to a plain
function would leave `await lookup(...)` removed where the remote one is called.
"""

import asyncio

PRICES = {"ACME": 12.5, "INITECH": 3.25}


async def remote_lookup(symbol):
    await asyncio.sleep(0)
    return {"ACME": 13.0}.get(symbol, 0.0)


SOURCES = {"remote": remote_lookup}


async def quote(symbols, source=None):
    async def lookup(symbol):  # the built-in table
        return PRICES.get(symbol, 0.0)

    lines = [f"local {symbols[0]} {await lookup(symbols[0])}"]
    if source and (lookup := SOURCES.get(source)) is not None:
        lines.append(f"{source} {symbols[0]} {await lookup(symbols[0])}")
    return lines


async def main():
    print(await quote(["ACME"]))
    print(await quote(["ACME"], "remote"))


asyncio.run(main())
