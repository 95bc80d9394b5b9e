"""A process-wide registry shared with worker threads, announced to async subscribers."""

import threading

_REGISTRY_LOCK = threading.Lock()
_registry = {}


async def install(name, handler, subscriber):
    with _REGISTRY_LOCK:
        previous = _registry.get(name)
        _registry[name] = handler
        await subscriber.on_event("registered", name, _registry[name])
    return previous


async def uninstall(name, subscriber):
    with _REGISTRY_LOCK:
        handler = _registry.pop(name, None)
        if handler is not None:
            await subscriber.on_event("unregistered", name, handler)
