import asyncio


async def session(reader, writer, keepalive):
    asyncio.ensure_future(keepalive(writer))
    data = await reader.read(100)
    writer.write(data)
    await writer.drain()
    writer.close()


async def ping_forever(writer):
    while True:
        writer.write(b"ping")
        await writer.drain()


async def chat(reader, writer):
    asyncio.ensure_future(ping_forever(writer))
    while line := await reader.readline():
        writer.write(line)
        await writer.drain()


async def flush_later(transport):
    asyncio.ensure_future(transport.drained())
    await transport.write(b"bye")
