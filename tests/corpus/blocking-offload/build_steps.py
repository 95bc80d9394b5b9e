# corpus: blocking-offload
# expect: changed
# fixed: asyncio.to_thread(subprocess.run
"""A build bot: each step runs a subprocess; steps of different builds interleave on one loop."""

import asyncio
import subprocess
import sys


async def step(build, command):
    result = subprocess.run([sys.executable, "-c", command], capture_output=True, text=True, check=False)
    return build, result.returncode, result.stdout.strip()


async def run_build(build, commands):
    outputs = []
    for command in commands:
        name, code, out = await step(build, command)
        outputs.append(f"{name}:{code}:{out}")
        if code:
            break
    return outputs


async def main():
    # the blocking calls are the point of this program: keep asyncio's debug mode (-X dev) from timing them
    asyncio.get_running_loop().slow_callback_duration = 60
    results = await asyncio.gather(
        run_build("api", ["print('lint ok')", "print('tests ok')"]),
        run_build("web", ["print('bundle ok')", "import sys; sys.exit(3)", "print('never')"]),
    )
    for outputs in results:
        print(" | ".join(outputs))


asyncio.run(main())
