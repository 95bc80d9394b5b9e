STATE = {"jobs": 3}


async def cmd_status(args):
    return f"{STATE['jobs']} jobs"


async def uptime():
    return 42
