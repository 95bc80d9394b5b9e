# -*- coding: utf-8 -*-
import time as clock


async def backoff(delays):
    for delay in delays:
        clock.sleep(
            delay,  # seconds
        )
