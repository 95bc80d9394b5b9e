"""CM201 blocking-call."""

from __future__ import annotations

from ...model import HIGH
from ...transforms.blocking_offload.facts import iter_blocking_calls
from . import FileContext, rule


@rule(
    "CM201", "blocking-call", HIGH,
    summary="A blocking call (sleep, subprocess, HTTP, file, socket, input) in an `async def`.",
    impact="the event loop thread stops for as long as the call takes: every other task, timer and I/O waits",
    fixed_by="blocking-offload", fix_safety="unsafe",
)
def check(ctx: FileContext) -> None:
    """## What it does
    Finds calls that block the thread, made directly in the body of an `async def`: `time.sleep`,
    `subprocess.run`/`call`/`check_call`/`check_output`, `Popen.wait`/`communicate`, `os.system`,
    `os.wait*`, `requests.*` (and a `requests.Session`'s methods), `urllib.request.urlopen`, `open(...)`
    and `pathlib.Path` reads and writes, blocking `socket` calls, DNS lookups, `shutil` copies, and
    `input()`. Names are resolved through imports and aliases (`from time import sleep as nap`), so
    `self.sleep()`, a local function named `open` and `asyncio.sleep()` are not reported. A call inside
    a nested plain function or lambda is not reported: it may run on a thread (`asyncio.to_thread(work)`).

    ## Why is this bad?
    A coroutine runs on the event loop's thread. While a blocking call runs, nothing else does: no other
    task, no timer, no I/O callback. One `time.sleep(1)` in a request handler adds a second to every
    request in flight.

    ## Example
    ```python
    async def poll(self):
        time.sleep(0.5)
        result = subprocess.run(["git", "status"], capture_output=True)
    ```

    Use instead:
    ```python
    async def poll(self):
        await asyncio.sleep(0.5)
        result = await asyncio.to_thread(subprocess.run, ["git", "status"], capture_output=True)
    ```

    ## Fix
    `codemod apply --transform blocking-offload`: `time.sleep(x)` becomes `await asyncio.sleep(x)`
    (safe); other calls become `await asyncio.to_thread(fn, *args, **kwargs)` (unsafe: the call runs on
    a worker thread). It leaves alone, with the reason, calls used as a context manager (`with
    open(...)`), calls returning a handle whose reads would still block, and calls under a threading lock.
    """
    for node, call in iter_blocking_calls(ctx.index):
        if not call.in_async:
            continue
        written = f"`{call.call}()`"
        if call.call.rsplit(".", 1)[-1] != call.name.rsplit(".", 1)[-1]:
            written += f" (`{call.name.removeprefix('builtins.')}`)"
        ctx.report(
            node, f"{written} in `async def {call.function.rsplit('.', 1)[-1]}` {call.waits} on the event loop",
            fixable=(not call.skip, call.skip or ""),
        )

