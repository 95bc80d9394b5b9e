# corpus: await-free
# expect: unchanged
# skip: module
"""An application that always installs the metrics plugin and loads the others named in its config.

Plugin modules are receivers: `await module.setup(app)` reaches every plugin's `setup`, the
metrics one included, so none of them may lose its coroutine.
"""

import asyncio
import importlib

from plugins import metrics


class App:
    def __init__(self):
        self.routes = []


async def build(config):
    app = App()
    await metrics.setup(app)
    for name in config["plugins"]:
        module = importlib.import_module(f"plugins.{name}")
        await module.setup(app)
    return app


async def main():
    app = await build({"plugins": ["auth", "metrics"]})
    print(app.routes)


asyncio.run(main())
