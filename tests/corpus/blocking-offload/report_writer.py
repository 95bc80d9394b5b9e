# corpus: blocking-offload
# expect: changed
# fixed: asyncio.to_thread(Path(out).write_text
# fixed: asyncio.to_thread(Path(out).read_text
"""A nightly job that renders a report, writes it to disk and reads it back to check it."""

import asyncio
import json
import tempfile
from pathlib import Path


async def collect(sources):
    rows = []
    for name, size in sources:
        await asyncio.sleep(0)
        rows.append({"source": name, "bytes": size})
    return rows


async def publish(folder, rows):
    out = f"{folder}/report.json"
    Path(out).write_text(json.dumps(rows, sort_keys=True))
    check = json.loads(Path(out).read_text())
    return len(check), sum(r["bytes"] for r in check)


async def main():
    # the blocking calls are the point of this program: keep asyncio's debug mode (-X dev) from timing them
    asyncio.get_running_loop().slow_callback_duration = 60
    rows = await collect([("db", 1200), ("cache", 300), ("logs", 4500)])
    with tempfile.TemporaryDirectory() as folder:
        count, total = await publish(folder, rows)
    print(f"published {count} rows, {total} bytes in all")


asyncio.run(main())
