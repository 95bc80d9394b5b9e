async def execute_tool(name, *args):
    return (name, args)


async def read_file(path):
    """Read a file through the tool runner."""
    return await execute_tool("read_file", path)


class Registry:
    async def write_file(self, path, data):
        return await execute_tool("write_file", path, data)


async def main(registry):
    await read_file("a.txt")
    await registry.write_file("b.txt", b"")
