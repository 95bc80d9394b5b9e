# corpus: task-guard
# expect: changed
# fixed: cancelled when download() exits
"""A download that reports its progress from a helper task defined inside it.

The reporter loops forever: it only makes sense while its download runs, and nothing else can stop it.
"""

import asyncio


async def fetch(chunk):
    await asyncio.sleep(0)
    return chunk.upper()


async def download(name, chunks, progress):
    received = []

    async def report():
        while True:
            progress[name] = len(received)
            await asyncio.sleep(0)

    asyncio.create_task(report())
    for chunk in chunks:
        received.append(await fetch(chunk))
    return "".join(received)


async def main():
    progress = {}
    print(await download("a.txt", ["ab", "cd"], progress))
    print(await download("b.txt", ["ef"], progress))
    print("reported on:", sorted(progress))


asyncio.run(main())
