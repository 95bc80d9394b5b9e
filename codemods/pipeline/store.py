"""The store: index facts cached by content hash, so that a second run parses only the files that changed.

One pickle file per repository in ``.codemod-cache/`` (which ignores itself in git, as ruff's cache
does). A key covers the file's bytes, its module name, and the transform's fingerprint: its name,
options, version, the source of the module that defines it, this tool's version and the Python
version (the ``ast`` differs between Pythons). Facts are plain data, so the same entries could be
shared between machines.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import pickle
import sys
import tempfile
from typing import Any

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


class FactsCache:
    def __init__(self, directory: str | None) -> None:
        self.directory = directory
        self.entries: dict[str, Any] = {}
        self.used: dict[str, Any] = {}
        self.hits = self.misses = 0
        if directory:
            try:
                with open(self._file, "rb") as fh:
                    loaded = pickle.load(fh)
                if isinstance(loaded, dict):
                    self.entries = loaded
            except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, ValueError):
                self.entries = {}

    @property
    def _file(self) -> str:
        return os.path.join(self.directory or "", "facts.pickle")

    @staticmethod
    def key(data: bytes, module: str, is_package: bool, transform_fp: str) -> str:
        h = hashlib.sha1(data)
        h.update(f"\0{module}\0{is_package}\0{transform_fp}".encode())
        return h.hexdigest()

    def get(self, key: str) -> Any:
        if not self.directory:
            return MISS
        value = self.entries.get(key, MISS)
        if value is MISS:
            self.misses += 1
        else:
            self.hits += 1
            self.used[key] = value
        return value

    def put(self, key: str, value: Any) -> None:
        if self.directory:
            self.used[key] = value

    def save(self) -> None:
        """Keep what this run used, plus older entries up to a bound, so the file does not grow forever."""
        if not self.directory:
            return
        keep = dict(self.used)
        budget = max(20_000, 4 * len(keep))
        for k, v in self.entries.items():
            if len(keep) >= budget:
                break
            keep.setdefault(k, v)
        try:
            os.makedirs(self.directory, exist_ok=True)
            ignore = os.path.join(self.directory, ".gitignore")
            if not os.path.exists(ignore):
                with open(ignore, "w") as fh:
                    fh.write("# Automatically created by codemod.\n*\n")
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".facts-")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump(keep, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self._file)
        except OSError:
            pass  # a cache that cannot be written is only a slower next run
