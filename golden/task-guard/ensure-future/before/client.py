import asyncio


async def session(reader, writer, keepalive):
    asyncio.ensure_future(keepalive(writer))
    data = await reader.read(100)
    writer.write(data)
    await writer.drain()
    writer.close()
