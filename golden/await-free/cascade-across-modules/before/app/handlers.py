from app.codec import decode


async def handle(raw: bytes) -> str:
    message = await decode(raw)  # parse first
    return message["kind"]
