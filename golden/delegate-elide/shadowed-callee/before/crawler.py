import asyncio


async def fetch(url: str) -> bytes:
    await asyncio.sleep(0)
    return url.encode()


async def crawl(urls, fetch=fetch):
    # `fetch` here is the parameter: the caller may pass anything that returns an awaitable
    async def fetch_one(url: str) -> bytes:
        return await fetch(url)

    return await asyncio.gather(*(fetch_one(url) for url in urls))


async def fetch_home() -> bytes:
    """The module's own fetcher: a known coroutine function."""
    return await fetch("/")
