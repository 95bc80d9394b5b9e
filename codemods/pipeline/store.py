"""The store: what a run computed, by content hash, so that the next run computes only what changed.

Four kinds of entry, each keyed by everything its value depends on:

``facts``   one file's facts for one consumer: the file's bytes, module name, and the consumer's
            fingerprint (name, options, version, the source of its module or package and of the
            helpers every transform shares, this tool's version, the Python version: the ``ast``
            differs between Pythons). Stored with a flag (no facts / facts / could not be indexed), so
            that a run reads the flags of every file and the facts themselves only when it must plan.
``refs``    a transform's ``reference_names`` for a given set of facts, and ``mentions``: which file
            contents mention them (the prefilter's second round).
``plan``    a transform's plan for a given set of facts, editable paths and unparsed files.
``result``  one file's rewrite outcome (new text, changes, skips, errors, held-back and suppressed
            fixes, the diff's hunks) for its bytes, the plan of each transform that rewrites it, the run's
            transforms and this tool's code: a warm run reads, hashes, plans and prints.

One SQLite database per project in ``.codemod-cache/`` (which ignores itself in git, as ruff's cache
does). SQLite makes it safe under concurrent runs: readers never wait (WAL), writers take turns, and a
run that cannot write in time (``busy`` for 10 s) only leaves the cache as it was. The database is
bounded (``max_bytes``, 512 MiB by default): past it, the entries used least recently go. A database
that cannot be opened or read is moved aside and started again: a cache is only ever a slower next
run. Values are pickles of plain data; entries are only shared by runs of the same code.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import pickle
import sqlite3
import sys
import time
from typing import Any, Iterable, Mapping

from .. import __version__
from ..transforms.base import Transform

CACHE_DIR_NAME = ".codemod-cache"
MISS = object()


def _code_files(transform: Any) -> list[str]:
    """The source files a transform's facts depend on: its module, or every file of its package when
    it is one (``transforms/lock_await/``), and the helpers every transform shares. For another
    consumer of the index (an audit rule set), its module, or every file of the package it lives in."""
    module = sys.modules.get(type(transform).__module__)
    path = getattr(module, "__file__", None)
    if not path:
        return []
    here = os.path.dirname(os.path.abspath(path))
    transforms_dir = os.path.dirname(os.path.abspath(inspect.getfile(Transform)))
    files = [os.path.abspath(path)]
    if not isinstance(transform, Transform):
        # another consumer of the index (an audit rule set): every file of its top package inside
        # codemods (``codemods/audit/``), or its own module when it lives elsewhere
        package = os.path.dirname(transforms_dir)
        if not here.startswith(package + os.sep):
            return files
        top = here
        while os.path.dirname(top) != package:
            top = os.path.dirname(top)
        return sorted(set(_py_files(top)))
    if here != transforms_dir and here.startswith(transforms_dir + os.sep):  # a package: its top folder
        top = here
        while os.path.dirname(top) != transforms_dir:
            top = os.path.dirname(top)
        files = _py_files(top)
    shared = os.path.join(transforms_dir, "_shared")
    files += _py_files(shared) if os.path.isdir(shared) else []
    files.append(os.path.join(transforms_dir, "base.py"))
    return sorted(set(files))


def _py_files(folder: str) -> list[str]:
    return [os.path.join(d, f) for d, _, names in os.walk(folder) for f in names if f.endswith(".py")]


def fingerprint(transform: Any) -> str:
    """What a consumer's facts depend on besides the file: its name, options, version and code, this
    tool's version and the Python version (the ``ast`` differs between Pythons)."""
    digest = hashlib.sha1()
    for path in _code_files(transform):
        try:
            with open(path, "rb") as fh:
                digest.update(path.rsplit(os.sep, 2)[-1].encode() + b"\0" + fh.read())
        except OSError:
            digest.update(path.encode())
    parts = [
        transform.name, str(getattr(transform, "version", "")),
        json.dumps(getattr(transform, "options", {}), sort_keys=True, default=str),
        digest.hexdigest(), __version__, "%d.%d" % sys.version_info[:2],
    ]
    return hashlib.sha1("\0".join(parts).encode()).hexdigest()[:16]



DB_NAME = "codemod.sqlite3"
SCHEMA = 1
DEFAULT_MAX_BYTES = 512 << 20
NO_FACTS, FACTS, ERROR = 0, 1, 2  # flags of a facts entry
_CHUNK = 500  # keys per query (SQLite's default limit on variables is 999 before 3.32)
_STALE_S = 24 * 3600  # a hit older than this refreshes its "used" stamp (the bound's LRU order)


def content_digest(data: bytes) -> str:
    return hashlib.sha1(data).hexdigest()


def digest(*parts: Any) -> str:
    """A key from parts that are strings, or anything :func:`stable` encodes."""
    h = hashlib.sha1()
    for part in parts:
        h.update(part.encode("utf-8", "surrogatepass") if isinstance(part, str) else stable(part))
        h.update(b"\0")
    return h.hexdigest()


def stable(value: Any) -> bytes:
    """A canonical encoding of plain data: the same value gives the same bytes in every process (sets
    sorted, dictionaries by key; a pickle's set order follows the hash seed)."""
    out: list[bytes] = []
    _stable(value, out)
    return b"".join(out)


def _stable(value: Any, out: list[bytes]) -> None:
    if value is None or isinstance(value, (bool, int, float)):
        out.append(b"%s:%r;" % (type(value).__name__.encode(), value))
    elif isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
        out.append(b"s%d:" % len(data) + data)
    elif isinstance(value, bytes):
        out.append(b"b%d:" % len(value) + value)
    elif isinstance(value, (list, tuple)):
        out.append(b"(" if isinstance(value, tuple) else b"[")
        for item in value:
            _stable(item, out)
        out.append(b")")
    elif isinstance(value, (set, frozenset)):
        out.append(b"{")
        for item in sorted(stable(v) for v in value):
            out.append(item)
        out.append(b"}")
    elif isinstance(value, dict):
        out.append(b"<")
        for k, v in sorted((stable(k), stable(v)) for k, v in value.items()):
            out.append(k + b"=" + v)
        out.append(b">")
    elif hasattr(value, "__dataclass_fields__"):
        out.append(type(value).__qualname__.encode() + b"#")
        _stable({name: getattr(value, name) for name in value.__dataclass_fields__}, out)
    elif hasattr(value, "__dict__"):
        out.append(type(value).__qualname__.encode() + b"#")
        _stable(vars(value), out)
    else:
        out.append(repr(value).encode("utf-8", "surrogatepass"))


_TOOL: list[str] = []


def tool_digest() -> str:
    """This tool's code (every module of the codemods package) and the Python version: a rewrite
    outcome depends on the engine as well as on the transforms."""
    if not _TOOL:
        package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        h = hashlib.sha1(f"{__version__}\0{sys.version}".encode())
        for path in sorted(_py_files(package)):
            try:
                with open(path, "rb") as fh:
                    h.update(os.path.relpath(path, package).encode() + b"\0" + fh.read())
            except OSError:
                h.update(path.encode())
        _TOOL.append(h.hexdigest())
    return _TOOL[0]


class FactsCache:
    """The store (named for what it first held). ``FactsCache(None)`` stores nothing.

    Reads go to the database as the run asks; writes wait in memory until :meth:`save`, which writes
    them in one transaction (the index phase saves its facts, the run saves again at the end).
    """

    def __init__(self, directory: str | None, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self.hits = self.misses = 0
        self.unsaved = 0  # entries a save could not write (the database was busy)
        self._db: sqlite3.Connection | None = None
        self._broken = not directory
        self._pending: dict[tuple[str, str], tuple[int, bytes | None]] = {}
        self._touch: set[tuple[str, str]] = set()

    # -- the database ---------------------------------------------------------------------------
    @property
    def path(self) -> str:
        return os.path.join(self.directory or "", DB_NAME)

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is not None or self._broken:
            return self._db
        try:
            self._db = self._open()
        except (sqlite3.Error, OSError):
            try:  # unreadable or from another version of SQLite: move it aside, start again
                if os.path.exists(self.path):
                    os.replace(self.path, self.path + ".broken")
                self._db = self._open()
            except (sqlite3.Error, OSError):
                self._broken, self._db = True, None
        return self._db

    def _open(self) -> sqlite3.Connection:
        os.makedirs(self.directory, exist_ok=True)
        ignore = os.path.join(self.directory, ".gitignore")
        if not os.path.exists(ignore):
            with open(ignore, "w") as fh:
                fh.write("# Automatically created by codemod.\n*\n")
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        db.execute("PRAGMA busy_timeout = 10000")
        if db.execute("PRAGMA user_version").fetchone()[0] != SCHEMA:
            db.execute("PRAGMA auto_vacuum = INCREMENTAL")
            db.execute("PRAGMA journal_mode = WAL")
            db.executescript(
                "BEGIN IMMEDIATE;"
                "DROP TABLE IF EXISTS entries;"
                "CREATE TABLE entries (kind TEXT NOT NULL, key TEXT NOT NULL, flag INTEGER NOT NULL,"
                " size INTEGER NOT NULL, used INTEGER NOT NULL, value BLOB, PRIMARY KEY (kind, key));"
                "CREATE INDEX entries_used ON entries (used);"
                f"PRAGMA user_version = {SCHEMA};"
                "COMMIT;"
            )
        db.execute("PRAGMA synchronous = NORMAL")
        return db

    def _rows(self, kind: str, keys: Iterable[str], columns: str) -> Iterable[tuple]:
        db = self._connect()
        if db is None:
            return
        keys = list(keys)
        try:
            for i in range(0, len(keys), _CHUNK):
                chunk = keys[i : i + _CHUNK]
                yield from db.execute(
                    f"SELECT key, {columns} FROM entries WHERE kind = ? AND key IN ({','.join('?' * len(chunk))})",
                    (kind, *chunk),
                )
        except sqlite3.Error:
            return

    # -- reading --------------------------------------------------------------------------------
    def flags(self, kind: str, keys: Iterable[str]) -> dict[str, int]:
        """key -> flag of the entries present (without reading their values)."""
        now = int(time.time())
        out = {}
        for key, flag, used in self._rows(kind, keys, "flag, used"):
            out[key] = flag
            if now - used > _STALE_S:
                self._touch.add((kind, key))
        return out

    def values(self, kind: str, keys: Iterable[str]) -> dict[str, Any]:
        """key -> value of the entries present and readable."""
        out = {}
        for key, blob in self._rows(kind, keys, "value"):
            if blob is None:
                out[key] = None
                continue
            try:
                out[key] = pickle.loads(blob)
            except Exception:  # written by other code (a class that moved): a miss
                continue
        return out

    def lookup(self, kind: str, key: str) -> Any:
        """The value stored under ``key``, or :data:`MISS`."""
        pending = self._pending.get((kind, key))
        if pending is not None:
            return MISS if pending[1] is None else pickle.loads(pending[1])
        found = self.values(kind, [key])
        if key in found:
            self.flags(kind, [key])  # refresh its stamp when stale
            return found[key]
        return MISS

    # -- writing --------------------------------------------------------------------------------
    def store(self, kind: str, key: str, value: Any, flag: int = FACTS) -> None:
        if self._broken:
            return
        blob = None if value is None else pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        self._pending[kind, key] = (flag, blob)

    def save(self) -> None:
        """Write what this run stored, refresh the stamps of stale hits, keep the bound."""
        if (not self._pending and not self._touch) or self._connect() is None:
            return
        db = self._db
        now = int(time.time())
        rows = [(k, key, flag, len(blob or b""), now, blob) for (k, key), (flag, blob) in self._pending.items()]
        touch = [(now, k, key) for k, key in self._touch if (k, key) not in self._pending]
        try:
            db.execute("BEGIN IMMEDIATE")
            db.executemany("INSERT OR REPLACE INTO entries (kind, key, flag, size, used, value) VALUES (?, ?, ?, ?, ?, ?)", rows)
            db.executemany("UPDATE entries SET used = ? WHERE kind = ? AND key = ?", touch)
            total = db.execute("SELECT COALESCE(SUM(size), 0) + 64 * COUNT(*) FROM entries").fetchone()[0]
            if total > self.max_bytes:
                self._shrink(db, total)
            db.execute("COMMIT")
        except sqlite3.Error:
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            self.unsaved += len(rows)
            return
        finally:
            self._pending.clear()
            self._touch.clear()
        try:
            db.execute("PRAGMA incremental_vacuum")
        except sqlite3.Error:
            pass

    def _shrink(self, db: sqlite3.Connection, total: int) -> None:
        """Delete the least recently used entries until the database holds 80% of its bound."""
        goal = total - int(self.max_bytes * 0.8)
        freed, doomed = 0, []
        for rowid, size in db.execute("SELECT rowid, size + 64 FROM entries ORDER BY used, rowid"):
            if freed >= goal:
                break
            doomed.append((rowid,))
            freed += size
        db.executemany("DELETE FROM entries WHERE rowid = ?", doomed)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    # -- facts, as the index phase uses them ------------------------------------------------------
    @staticmethod
    def key(data: bytes, module: str, is_package: bool, transform_fp: str) -> str:
        return FactsCache.facts_key(content_digest(data), module, is_package, transform_fp)

    @staticmethod
    def facts_key(content: str, module: str, is_package: bool, transform_fp: str) -> str:
        return digest(content, module, str(is_package), transform_fp)

    def get(self, key: str) -> Any:
        """One facts entry: the facts, None (no facts), a CachedError, or MISS."""
        value = self.lookup("facts", key)
        if value is MISS:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, key: str, value: Any) -> None:
        from .items import CachedError

        flag = ERROR if isinstance(value, CachedError) else FACTS if value else NO_FACTS
        self.store("facts", key, value if flag else None, flag)


_PENDING = object()


class LazyFacts(Mapping):
    """One consumer's facts by path, read from the store only when somebody looks at them (a warm run
    whose plans are cached never does), in the order they were found. Knows each path's facts key, for
    the plan's key. ``recompute(path)``: the facts again, for an entry the store can no longer read."""

    def __init__(self, store: FactsCache | None = None, recompute=None) -> None:
        self._store = store
        self._recompute = recompute
        self._entries: dict[str, Any] = {}
        self.keys_by_path: dict[str, str] = {}

    def add(self, path: str, value: Any, key: str = "") -> None:
        self._entries[path] = value
        if key:
            self.keys_by_path[path] = key

    def add_pending(self, path: str, key: str) -> None:
        self._entries[path] = _PENDING
        self.keys_by_path[path] = key

    def __setitem__(self, path: str, value: Any) -> None:
        self.add(path, value)

    def _load(self) -> None:
        pending = [p for p, v in self._entries.items() if v is _PENDING]
        if not pending:
            return
        found = self._store.values("facts", [self.keys_by_path[p] for p in pending]) if self._store else {}
        for path in pending:
            value = found.get(self.keys_by_path[path])
            if not value and self._recompute is not None:
                value = self._recompute(path)
            if value:
                self._entries[path] = value
            else:
                del self._entries[path]

    def __getitem__(self, path: str) -> Any:
        value = self._entries[path]
        if value is _PENDING:
            self._load()
            value = self._entries[path]
        return value

    def __iter__(self):
        self._load()
        return iter(list(self._entries))

    def __len__(self) -> int:
        self._load()
        return len(self._entries)

    def __contains__(self, path: object) -> bool:
        self._load()
        return path in self._entries

    def digest(self) -> str | None:
        """The facts' identity (paths and keys, in order), or None when some facts have no key (no store)."""
        if not set(self._entries).issubset(self.keys_by_path):
            return None
        return digest([(p, self.keys_by_path[p]) for p in self._entries])
