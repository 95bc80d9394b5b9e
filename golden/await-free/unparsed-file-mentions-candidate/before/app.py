import asyncio


async def greet(name):
    return f"hello {name}"


async def farewell(name):
    return f"bye {name}"


async def main():
    print(await greet("world"))
    print(await farewell("world"))
    await asyncio.sleep(0)
