from time import sleep as nap


async def retry(op, attempts=3):
    for attempt in range(attempts):
        try:
            return await op()
        except ConnectionError:
            nap(0.1 * 2**attempt)
    raise ConnectionError("gave up")
