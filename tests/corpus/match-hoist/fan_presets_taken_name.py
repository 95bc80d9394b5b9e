# corpus: match-hoist
# expect: unchanged
# skip: the name `percentage` is already used
"""A fan controller applying presets: the natural name for the hoisted value (`percentage`) is
already a parameter, and an invented one (`async_set_percentage_percentage`) reads worse than the
two calls."""

import asyncio


class Fan:
    def __init__(self):
        self.history = []

    async def async_set_percentage(self, percentage, *, transition=None):
        await asyncio.sleep(0)
        self.history.append((percentage, transition))


async def apply_preset(fan, preset, percentage):
    if preset == "boost":
        await fan.async_set_percentage(100, transition=2)
    else:
        await fan.async_set_percentage(40, transition=2)
    return percentage


async def main():
    fan = Fan()
    for preset in ("boost", "eco"):
        await apply_preset(fan, preset, 55)
    print(fan.history)


asyncio.run(main())
