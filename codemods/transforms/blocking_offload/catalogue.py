"""Which calls block the event loop, by the qualified name they resolve to (never by their text).

Shared by the audit rule CM201 (``blocking-call``) and the ``blocking-offload`` transform, so that a
finding and its fix always agree on what blocks.
"""

from __future__ import annotations

import re

_REQUESTS_VERBS = ("get", "post", "put", "patch", "delete", "head", "options", "request")

# functions that block, by qualified name -> what they wait for
BLOCKING_FUNCTIONS: dict[str, str] = {
    "time.sleep": "sleeps the whole thread",
    "builtins.input": "waits for a line on standard input",
    "builtins.open": "opens a file (disk or network file system I/O)",
    "io.open": "opens a file (disk or network file system I/O)",
    "os.system": "waits for a shell command to finish",
    "os.wait": "waits for a child process",
    "os.waitpid": "waits for a child process",
    "os.wait3": "waits for a child process",
    "os.wait4": "waits for a child process",
    "os.waitid": "waits for a child process",
    "subprocess.run": "waits for a process to finish",
    "subprocess.call": "waits for a process to finish",
    "subprocess.check_call": "waits for a process to finish",
    "subprocess.check_output": "waits for a process to finish",
    "subprocess.getoutput": "waits for a process to finish",
    "subprocess.getstatusoutput": "waits for a process to finish",
    "urllib.request.urlopen": "waits for an HTTP response",
    "urllib.request.urlretrieve": "downloads a URL",
    "socket.create_connection": "connects a blocking socket",
    "socket.getaddrinfo": "resolves a host name (DNS)",
    "socket.gethostbyname": "resolves a host name (DNS)",
    "socket.gethostbyname_ex": "resolves a host name (DNS)",
    "socket.gethostbyaddr": "resolves an address (DNS)",
    "socket.getfqdn": "resolves a host name (DNS)",
    "shutil.copyfile": "copies a file",
    "shutil.copy": "copies a file",
    "shutil.copy2": "copies a file",
    "shutil.copytree": "copies a directory tree",
    "shutil.rmtree": "deletes a directory tree",
    "shutil.move": "moves files",
    **{f"requests.{verb}": "waits for an HTTP response" for verb in _REQUESTS_VERBS},
    **{f"requests.api.{verb}": "waits for an HTTP response" for verb in _REQUESTS_VERBS},
}

_FILE_METHODS = ("read_text", "read_bytes", "write_text", "write_bytes")
_SOCKET_METHODS = ("recv", "recv_into", "recvfrom", "send", "sendall", "sendto", "accept", "connect")

# methods that block, on a value a known call produced: producer -> {method: what it waits for}
BLOCKING_METHODS: dict[str, dict[str, str]] = {
    "subprocess.Popen": {"wait": "waits for a process to finish", "communicate": "waits for a process to finish"},
    "pathlib.Path": {m: "reads or writes a file" for m in _FILE_METHODS},
    "requests.Session": {v: "waits for an HTTP response" for v in (*_REQUESTS_VERBS, "send")},
    "requests.session": {v: "waits for an HTTP response" for v in (*_REQUESTS_VERBS, "send")},
    "socket.socket": {m: "waits on a blocking socket" for m in _SOCKET_METHODS},
    "socket.create_connection": {m: "waits on a blocking socket" for m in _SOCKET_METHODS},
}

# calls whose result is a handle (a file, a response, a socket): offloading the call alone leaves the
# handle's reads and writes on the event loop, so the transform does not rewrite them
RETURNS_HANDLE = frozenset({"builtins.open", "io.open", "urllib.request.urlopen", "socket.create_connection"})

SLEEP = "time.sleep"

# calls that run their callable argument on a thread: a function passed to them may block
OFFLOADERS = frozenset({
    "asyncio.to_thread", "anyio.to_thread.run_sync", "trio.to_thread.run_sync", "threading.Thread",
    "concurrent.futures.ThreadPoolExecutor.submit",
})
OFFLOADING_METHODS = frozenset({"run_in_executor", "submit", "to_thread", "run_sync"})


# -- which words a file must hold for any of the calls above to be in it --------------------------
# A call resolves to a qualified name only through the names the file spells: the last part of the
# name (``sleep``, at the call or in ``from time import sleep``) and, but for builtins, the module it
# comes from (``time``, in an import). A method needs its own name and its producer's words. A file
# without every word of some entry holds none of these calls, and needs no index of its scopes.
def _words(qualname: str) -> frozenset[str]:
    parts = qualname.split(".")
    return frozenset({parts[-1]} | ({parts[0]} if parts[0] != "builtins" else set()))


REQUIRED_WORDS: tuple[frozenset[str], ...] = tuple(sorted(
    {_words(name) for name in BLOCKING_FUNCTIONS}
    | {_words(producer) | {method} for producer, methods in BLOCKING_METHODS.items() for method in methods},
    key=sorted,
))
_WORDS = re.compile(r"\b(?:%s)\b" % "|".join(sorted({w for need in REQUIRED_WORDS for w in need}, key=lambda w: (-len(w), w))))


# the attribute a call ``x.attr(...)`` spells must be one of these for it to be a catalogue call (a
# qualified name ends with the attribute; a method is its own name): a cheap test before resolving
CALLED_ATTRIBUTES = frozenset(
    {name.rpartition(".")[2] for name in BLOCKING_FUNCTIONS} | {m for methods in BLOCKING_METHODS.values() for m in methods}
)


def may_block(text: str) -> bool:
    """Whether ``text`` spells every word of some catalogue entry (a false True is harmless: the
    index then decides; a false False would hide a call, which a test rules out)."""
    present = set(_WORDS.findall(text))
    return any(need <= present for need in REQUIRED_WORDS)
