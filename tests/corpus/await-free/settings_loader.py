# corpus: await-free
# expect: changed
"""A settings loader whose parse step never awaits; callers await it out of habit."""

import asyncio


async def parse_settings(text):
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


async def load(text):
    settings = await parse_settings(text)
    await asyncio.sleep(0)
    return settings


async def main():
    print(await load("a = 1\nb = two\n# comment\n"))


asyncio.run(main())
