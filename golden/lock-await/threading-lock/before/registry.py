"""A process-wide registry shared with worker threads, announced to async subscribers."""

import threading

_REGISTRY_LOCK = threading.Lock()
_registry = {}


async def register(name, handler, bus):
    with _REGISTRY_LOCK:
        previous = _registry.get(name)
        _registry[name] = handler
        await bus.publish("registered", name, _registry[name])
    return previous


async def unregister(name, bus):
    with _REGISTRY_LOCK:
        handler = _registry.pop(name, None)
        if handler is not None:
            await bus.publish("unregistered", name, handler)
