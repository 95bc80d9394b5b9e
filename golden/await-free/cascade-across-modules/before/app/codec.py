import json


async def decode(raw: bytes) -> dict:
    """Parse one message."""
    return json.loads(raw)
