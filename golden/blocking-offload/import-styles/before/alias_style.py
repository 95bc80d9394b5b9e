import asyncio as aio
import subprocess


async def run(cmd):
    await aio.sleep(0)
    return subprocess.check_output(cmd)
