"""Reported positions are lines of the file on disk, also for a transform that runs on another one's
output (a line shifted by an import or a set the first one added)."""

from __future__ import annotations

import json
import subprocess
import sys

from codemods.pipeline.positions import line_map
from codemods.pipeline.single import apply_to_source
from codemods.transforms import get

SOURCE = '''\
import asyncio
import time


async def heartbeat():
    while True:
        await asyncio.sleep(1)


async def serve():
    asyncio.create_task(heartbeat())
    await asyncio.sleep(0)


async def backoff(attempt):
    time.sleep(0.1 * attempt)
    return attempt
'''
SLEEP_LINE = 16  # `time.sleep(...)`
SPAWN_LINE = 11  # `asyncio.create_task(...)`


def test_line_map():
    original = "a\nb\nc\nd\n"
    assert [line_map(original, "import x\na\nb\nc\nd\n")(n) for n in range(1, 6)] == [1, 1, 2, 3, 4]
    assert [line_map(original, "a\nc\nd\n")(n) for n in range(1, 4)] == [1, 3, 4]
    assert [line_map(original, "a\nB1\nB2\nc\nd\n")(n) for n in range(1, 6)] == [1, 2, 2, 3, 4]
    assert line_map(original, original)(3) == 3


def _lines(changes):
    return {c.transform: c.line for c in changes}


def test_every_transform_reports_lines_of_the_original_text():
    transforms = [get("task-guard")(), get("blocking-offload")()]
    result = apply_to_source(transforms, SOURCE, "svc.py", "svc")
    assert result.new_text != SOURCE and not result.errors
    # both transforms changed the file, and one of them ran on the other's output
    assert {c.transform for c in result.changes} == {"task-guard", "blocking-offload"}
    assert result.new_text.splitlines().index("_background_tasks = set()") < SPAWN_LINE
    sleeps = [c for c in result.changes if c.transform == "blocking-offload"]
    spawns = [c for c in result.changes if c.transform == "task-guard" and c.line > 3]
    assert [c.line for c in sleeps] == [SLEEP_LINE]
    assert SPAWN_LINE in [c.line for c in spawns]


def test_the_json_document_and_its_hunks_use_the_same_lines(tmp_path):
    (tmp_path / "svc.py").write_text(SOURCE)
    out = subprocess.run(
        [sys.executable, "-m", "codemods", "apply", "-t", "task-guard", "-t", "blocking-offload", "--dry-run",
         "--format", "json", "--no-cache", "svc.py"],
        cwd=tmp_path, capture_output=True, text=True,
    )
    assert out.returncode == 1, out.stderr
    doc = json.loads(out.stdout)
    sleep = [c for c in doc["changes"] if c["transform"] == "blocking-offload"]
    assert [c["line"] for c in sleep] == [SLEEP_LINE]
    assert SOURCE.splitlines()[SLEEP_LINE - 1].strip().startswith("time.sleep")
    for change in doc["changes"]:
        hunks = [doc["files"][0]["hunks"][k] for k in change["hunks"]]
        assert any(h["old_start"] <= change["line"] < h["old_start"] + h["old_lines"] for h in hunks), change
    (hunk,) = [doc["files"][0]["hunks"][k] for k in sleep[0]["hunks"]]
    assert "-    time.sleep(0.1 * attempt)" in hunk["diff"]
