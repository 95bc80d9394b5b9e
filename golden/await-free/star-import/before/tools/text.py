async def slugify(title):
    return title.lower().replace(" ", "-")


async def shout(title):
    return title.upper()
