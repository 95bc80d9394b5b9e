# corpus: blocking-offload
# expect: changed
# fixed: await asyncio.sleep
"""A client that retries a flaky upstream with a backoff sleep between attempts."""

import asyncio
import time


class Upstream:
    def __init__(self, failures):
        self.failures = failures
        self.calls = 0

    async def fetch(self, key):
        self.calls += 1
        await asyncio.sleep(0)
        if self.calls <= self.failures:
            raise ConnectionError(f"attempt {self.calls} refused")
        return f"value-of-{key}"


async def fetch_with_retry(upstream, key, attempts=4):
    for attempt in range(attempts):
        try:
            return await upstream.fetch(key)
        except ConnectionError as exc:
            print(f"  retry after: {exc}")
            time.sleep(0.001 * 2**attempt)
    raise ConnectionError(f"{key}: gave up after {attempts} attempts")


async def main():
    # the blocking calls are the point of this program: keep asyncio's debug mode (-X dev) from timing them
    asyncio.get_running_loop().slow_callback_duration = 60
    print("flaky:", await fetch_with_retry(Upstream(failures=2), "a"))
    try:
        await fetch_with_retry(Upstream(failures=9), "b", attempts=2)
    except ConnectionError as exc:
        print("down:", exc)


asyncio.run(main())
