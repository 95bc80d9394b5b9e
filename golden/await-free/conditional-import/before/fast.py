async def digest(data):
    return hash(data)
