"""Chat-bot commands: `cmd_<name>` functions, found by name."""

import asyncio

STATE = {"jobs": 3}


async def cmd_status(args):
    return f"{STATE['jobs']} jobs running"


async def cmd_restart(args):
    await asyncio.sleep(0)
    STATE["jobs"] = 0
    return "restarted"
