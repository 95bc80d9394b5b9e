"""A deploy bot: every step used to block the event loop."""

import json
import subprocess
from pathlib import Path

import requests


async def build(tag):
    result = subprocess.run(
        ["docker", "build", "-t", tag, "."],
        check=True,
        capture_output=True,
    )
    return result.stdout


async def notify(url, tag):
    status = requests.post(url, json={"tag": tag}, timeout=10).status_code
    return status


async def read_manifest(path):
    return json.loads(Path(path).read_text())


async def confirm():
    return input("deploy? [y/N] ") == "y"


async def wait_for(proc_args):
    proc = subprocess.Popen(proc_args)
    code = proc.wait()
    return code
