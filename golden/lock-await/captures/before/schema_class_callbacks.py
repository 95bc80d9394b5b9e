"""A schema registry that tells two stored callbacks about each change: the second one is told which
class of schema changed (`self._class`). Its capture is named `class_`, never `class`."""

import asyncio


class SchemaRegistry:
    def __init__(self, schema_class, on_changed, on_class_changed):
        self._lock = asyncio.Lock()
        self._class = schema_class
        self._schemas = {}
        self._on_changed = on_changed
        self._on_class_changed = on_class_changed

    async def register(self, name, fields):
        async with self._lock:
            self._schemas[name] = tuple(fields)
            await self._on_changed(name)
            await self._on_class_changed(self._class, len(self._schemas))


async def main():
    log = []

    async def on_changed(name):
        await asyncio.sleep(0)
        log.append(f"changed {name}")

    async def on_class_changed(kind, count):
        log.append(f"{kind}: {count} schemas")

    registry = SchemaRegistry("avro", on_changed, on_class_changed)
    await registry.register("user", ["id", "name"])
    await registry.register("order", ["id", "total"])
    print("\n".join(log))


asyncio.run(main())
