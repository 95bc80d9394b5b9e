"""A rate limiter for an API client: at most one call per interval. The lock makes each caller sleep
until its slot and then record the next slot, so that calls are spaced; a virtual clock keeps it
deterministic."""

import asyncio


class VirtualClock:
    def __init__(self):
        self.now = 0.0

    async def sleep(self, seconds):
        wake = self.now + seconds  # sleeps overlap, as on a real clock
        await asyncio.sleep(0)
        self.now = max(self.now, wake)


class RateLimiter:
    def __init__(self, clock, interval):
        self._lock = asyncio.Lock()
        self._clock = clock
        self._interval = interval
        self._next_slot = 0.0

    async def wait(self):
        async with self._lock:
            delay = self._next_slot - self._clock.now
            if delay > 0:
                await self._clock.sleep(delay)
            self._next_slot = self._clock.now + self._interval


async def call_api(limiter, clock, name, log):
    await limiter.wait()
    log.append(f"{name} at t={clock.now:.1f}")


async def main():
    clock = VirtualClock()
    limiter = RateLimiter(clock, 1.0)
    log = []
    await asyncio.gather(*(call_api(limiter, clock, f"call{i}", log) for i in range(4)))
    print("\n".join(log))


asyncio.run(main())
