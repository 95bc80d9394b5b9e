from dataclasses import dataclass


@dataclass
class Ping:
    seq: int


@dataclass
class Join:
    room: str


class Connection:
    async def reply(self, kind, body, *, urgent=False):
        ...


async def handle(conn: Connection, message) -> None:
    match message:
        case Ping(seq=seq):
            await conn.reply("pong", {"seq": seq}, urgent=False)
        case Join(room=room) if room:
            await conn.reply("joined", {"room": room}, urgent=False)
        case {"type": "say", "text": str(text)}:
            await conn.reply("said", {"text": text}, urgent=False)
        case _:
            await conn.reply("error", {"reason": "unknown message"}, urgent=False)
