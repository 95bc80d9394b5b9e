_rows: dict[str, str] = {}


async def fetch(key: str) -> str | None:
    return _rows.get(key)


async def put(key: str, value: str) -> None:
    _rows[key] = value
