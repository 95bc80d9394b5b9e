# corpus: match-hoist
# expect: unchanged
# skip: different messages
"""A device gateway answering failed commands: each error message reads best beside the reply that
sends it, so the replies are not merged into one call fed by a `text` variable."""

import asyncio


class Connection:
    def __init__(self):
        self.replies = []

    async def reply(self, request_id, code, *, text):
        await asyncio.sleep(0)
        self.replies.append(f"{request_id} {code} {text}")


async def refuse(conn, request_id, code):
    if code == 404:
        await conn.reply(request_id, code, text="Device not found")
    elif code == 409:
        await conn.reply(request_id, code, text="Device busy, try again later")
    else:
        await conn.reply(request_id, code, text="Invalid state for this device")


async def main():
    conn = Connection()
    for request_id, code in enumerate((404, 409, 500)):
        await refuse(conn, request_id, code)
    print("\n".join(conn.replies))


asyncio.run(main())
