# corpus: task-guard
# expect: changed
# fixed: ends it
"""A chat bot that shows "typing..." while it prepares a reply: the indicator belongs to the request.

`answer()` stops the indicator once the reply is sent; when preparing the reply fails, the indicator
must stop too, or it types forever in a conversation that has moved on.
"""

import asyncio


class Chat:
    def __init__(self):
        self.sent = []
        self.typing = 0

    async def send(self, text):
        await asyncio.sleep(0)
        self.sent.append(text)


async def show_typing(chat, done):
    while not done.is_set():
        chat.typing += 1
        await asyncio.sleep(0)


async def think(question):
    await asyncio.sleep(0)
    if question.endswith("?"):
        return f"good question: {question}"
    raise ValueError(f"not a question: {question}")


async def answer(chat, question):
    done = asyncio.Event()
    asyncio.create_task(show_typing(chat, done))
    reply = await think(question)
    await chat.send(reply)
    done.set()


async def main():
    chat = Chat()
    for question in ["how are you?", "hello", "what time is it?"]:
        try:
            await answer(chat, question)
        except ValueError as exc:
            print("failed:", exc)
    for text in chat.sent:
        print("sent:", text)


asyncio.run(main())
