"""Run the whole example service: python -m examples.service

Each part prints what it did; running it before and after `codemod apply --transform all examples/`
prints the same, except that the worker tasks no longer outlive their sessions.
"""

import asyncio

from . import cache, commands, storage, workers


async def main() -> None:
    for part in (storage, cache, commands, workers):
        print(f"== {part.__name__.rsplit('.', 1)[-1]}")
        await part.main()


if __name__ == "__main__":
    asyncio.run(main())
