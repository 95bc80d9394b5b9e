import asyncio


async def show_typing(chat, done):
    while not done.is_set():
        await chat.typing()


async def answer(chat, question):
    """Show "typing..." while the reply is prepared; stop it once the reply is sent."""
    done = asyncio.Event()
    asyncio.create_task(show_typing(chat, done))
    reply = await chat.think(question)
    await chat.send(reply)
    done.set()


async def answer_carefully(chat, question):
    done = asyncio.Event()
    asyncio.create_task(show_typing(chat, done))
    try:
        await chat.send(await chat.think(question))
    finally:
        done.set()


async def pump(conn, out):
    while True:
        await out.put(await conn.read())


async def relay(connect, out):
    async with connect() as conn:
        asyncio.create_task(pump(conn, out))
        await conn.closed()
