async def oops(:
    return 1
