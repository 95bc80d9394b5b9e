import functools


async def execute_tool(name, *args):
    return (name, args)


async def logs_first(path, log):
    log(path)
    return await execute_tool("read_file", path)


@functools.lru_cache
async def decorated(path):
    return await execute_tool("read_file", path)


class Tools(dict):
    async def read(self, path):  # a base class: it may implement an interface
        return await execute_tool("read", path)


async def awaits_argument(path, resolve):
    return await execute_tool("read", await resolve(path))


async def no_return(path):
    await execute_tool("read", path)


async def async_unload_entry(hass, entry):
    """A hook found by name by the framework: nothing in this module calls it."""
    return await hass.unload(entry)
