# corpus: delegate-elide
# expect: changed
"""An SDK whose public helper only delegates to the transport's request function."""

import asyncio


async def request(method, path):
    await asyncio.sleep(0)
    return f"{method} {path} -> 200"


async def fetch(path):
    return await request("GET", path)


async def main():
    print(await fetch("/users"))
    print(await asyncio.gather(fetch("/a"), fetch("/b")))


asyncio.run(main())
