"""Blocking calls in async defs, through every import form."""

import os
import subprocess
import time
import urllib.request
from pathlib import Path
from time import sleep as nap

import requests


async def poll(url):
    time.sleep(0.5)
    nap(1)
    result = subprocess.run(["git", "status"], capture_output=True)
    page = requests.get(url, timeout=5)
    body = urllib.request.urlopen(url).read()
    os.system("true")
    return result, page, body


async def read_config(path):
    with open(path) as fh:  # a context manager: blocking-offload leaves it, the audit reports it
        text = fh.read()
    data = Path(path).read_text()
    return text, data


async def ask():
    return input("name? ")


async def wait_child(cmd):
    proc = subprocess.Popen(cmd)
    proc.wait()


async def session_get(url):
    session = requests.Session()
    return session.get(url)
