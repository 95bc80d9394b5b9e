# half-edited: does not parse, yet it awaits greet(); converting greet would break it once fixed
async def handler(request:
    return await greet(request.user)
