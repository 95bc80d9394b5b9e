"""Polling loops that sleep the whole thread."""

import time


class Poller:
    def __init__(self, source):
        self.source = source
        self.ready = False

    async def wait_ready(self):
        started = time.monotonic()  # `time` stays imported: still used here
        while not self.source.ready():
            time.sleep(0.05)  # poll
        return time.monotonic() - started
