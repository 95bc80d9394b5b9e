"""blocking-offload: blocking calls in `async def` become awaits (split by concern: :mod:`.catalogue`
says what blocks, :mod:`.facts` finds the calls and decides, :mod:`.rewrite` makes the change)."""

from __future__ import annotations

import ast
from typing import Any

import libcst as cst

from codemods.transforms import register
from codemods.transforms.base import UNSAFE, RewriteContext, SourceInfo, Transform

from .._shared.ast_index import AstIndex
from .catalogue import may_block
from .facts import find_blocking_calls
from .rewrite import rewrite_module

_NEEDLES = (
    b"sleep", b"open", b"subprocess", b"requests", b"urlopen", b"urlretrieve", b"input", b"system", b"wait",
    b"socket", b"shutil", b"read_", b"write_", b"getaddrinfo", b"gethostby", b"getfqdn", b"communicate",
)


@register
class BlockingOffload(Transform):
    """Move blocking calls off the event loop: `await asyncio.sleep(x)`, `await asyncio.to_thread(fn, ...)`.

    ## What it does
    In the body of an `async def`:

    - `time.sleep(x)` (through any import alias) becomes `await asyncio.sleep(x)`;
    - other blocking calls (`subprocess.run`/`call`/`check_output`, `Popen.wait`, `requests.*`,
      `pathlib.Path` reads and writes, `os.system`, `os.wait*`, `input()`, DNS lookups, `shutil`
      copies, blocking socket calls) become `await asyncio.to_thread(fn, *args, **kwargs)`, the Python
      form of Rust's `spawn_blocking`. The arguments are evaluated where they were, in the same order.

    `asyncio` is imported if the file does not import it; a `time` import nothing uses any more is
    removed. Names are resolved through imports and aliases: `self.sleep()`, a local `open` and
    `asyncio.sleep()` are never touched.

    It leaves alone, with a reason: calls inside a nested plain function or lambda (`await` cannot go
    there, and the function may already run on a thread); calls whose result the rewrite would change,
    such as a context manager (`with open(...)`) or a handle whose reads and writes would still block
    (`open()`, `urlopen()`, `socket.create_connection()`); calls under a `threading` lock (awaiting
    there would let another task block the loop on the same lock); calls in a generator expression;
    and blocking calls in a plain function that async code calls (it must stay synchronous for its
    callers: offload the call to it instead).

    ## Why is this bad?
    A coroutine runs on the event loop's thread: while a blocking call runs, no other task, timer or
    I/O callback does. One `time.sleep(1)` in a handler adds a second to every request in flight.

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

    ## Fix safety
    `time.sleep(x)` → `await asyncio.sleep(x)` is safe: the coroutine waits as long as before and
    nothing it computes changes; other tasks now run during the wait, which is the point of the fix.
    `asyncio.to_thread` is unsafe: the call now runs on a worker thread, concurrently with the event
    loop. A reviewer must check that the callee is thread-safe (shared state it reads or changes, objects
    bound to the event loop or to one thread, such as an `asyncio` primitive, a database connection
    or a GUI object), that nothing depends on it finishing before other tasks run (another task may now
    run in between), and that it does not need thread-local state or signals; on cancellation the
    awaiting coroutine is cancelled but the thread finishes the call. `asyncio.to_thread` needs Python
    3.9 or later.
    """

    name = "blocking-offload"
    summary = "Blocking calls in `async def` become `await asyncio.sleep(x)` / `await asyncio.to_thread(fn, ...)`."
    prefilter = (b"async",)
    fix_safety = UNSAFE
    rules = ("CM201", "CM304")
    version = "1"

    def wants(self, data: bytes) -> bool:
        return b"async" in data and any(n in data for n in _NEEDLES)

    def index(self, src: SourceInfo, tree: ast.Module) -> Any:
        if not may_block(src.text):  # no index of scopes for a file that spells no blocking call
            return None
        calls = find_blocking_calls(AstIndex.of(tree, src.module, src.is_package, src.text))
        return tuple(calls) or None

    def rewrite(self, module: cst.Module, file_plan: Any, ctx: RewriteContext) -> cst.Module:
        return rewrite_module(module, ctx)


__all__ = ["BlockingOffload"]
