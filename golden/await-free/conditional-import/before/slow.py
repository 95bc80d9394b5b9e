async def digest(data):
    return sum(data)
