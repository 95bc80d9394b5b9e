import asyncio


async def greet(name):
    return f"hello {name}"


async def main():
    print(await greet("world"))
    await asyncio.sleep(0)
