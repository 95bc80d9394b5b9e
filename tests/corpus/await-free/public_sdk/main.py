# corpus: await-free
# expect: unchanged
# skip: listed in __all__
"""An SDK whose package exports `Client` in `__all__`: users outside this repository await
`client.close()`, so it stays a coroutine method although today it never awaits."""

import asyncio

import sdk


async def main():
    async with sdk.Client("demo") as client:
        print("open:", not client.closed)
    print("closed:", client.closed)


asyncio.run(main())
