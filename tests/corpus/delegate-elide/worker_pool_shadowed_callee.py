# corpus: delegate-elide
# expect: unchanged
# skip: shadows any `fetch` of the module
"""A crawler that runs one task per URL around the fetch function its caller gives it: here the
executor's `run_in_executor` (it returns a Future, not a coroutine). The module's own `fetch` coroutine
has the same name, but `fetch_one` calls the parameter: as a plain function it would hand a Future to
`asyncio.create_task`, which wants a coroutine."""

import asyncio


async def fetch(url):  # the module's default fetcher
    await asyncio.sleep(0)
    return f"fetched {url}"


async def crawl(urls, fetch=fetch):
    async def fetch_one(url):
        return await fetch(url)

    tasks = [asyncio.create_task(fetch_one(url)) for url in urls]
    return await asyncio.gather(*tasks)


def blocking_fetch(url):
    return f"fetched {url} in a thread"


async def main():
    loop = asyncio.get_running_loop()
    print(await crawl(["a", "b"]))
    print(await crawl(["c"], lambda url: loop.run_in_executor(None, blocking_fetch, url)))


asyncio.run(main())
