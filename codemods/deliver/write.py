"""Rewrite files in place: atomically, in their own encoding, never over uncommitted work or over a
file that changed on disk since it was read."""

from __future__ import annotations

import contextlib
import os
import signal
import threading

from .. import git
from ..changeset import Changeset, FileChange, FileError
from ..source import write_atomic

DIRTY = "has uncommitted changes: not rewritten (commit or stash them, or pass --allow-dirty)"


def refuse_dirty(cs: Changeset, files: list[FileChange]) -> list[FileChange]:
    """The files that may be written: those with uncommitted changes are dropped, each reported as an
    error on ``cs``. Outside git every file may be. Raises :class:`git.DirtyCheckError` when git cannot
    say."""
    dirty = git.dirty_paths(cs.root)
    if dirty is None:
        return list(files)
    for fc in files:
        if fc.path in dirty:
            cs.errors.append(FileError(fc.path, DIRTY))
    return [fc for fc in files if fc.path not in dirty]


def write_changes(cs: Changeset, files: list[FileChange] | None = None) -> list[FileChange]:
    """Write files atomically; a file that changed or vanished since it was read is reported, not written."""
    written = []
    for fc in files if files is not None else cs.files:
        full = os.path.join(cs.root, fc.path)
        try:
            with open(full, "rb") as fh:
                now = fh.read()
        except FileNotFoundError:
            cs.errors.append(FileError(fc.path, "vanished during the run: not written"))
            continue
        if now != fc.old_bytes:
            cs.errors.append(FileError(fc.path, "changed on disk during the run: not written"))
            continue
        write_atomic(full, fc.new_bytes)
        written.append(fc)
    return written


@contextlib.contextmanager
def uninterrupted():
    """Hold Ctrl-C while a batch of files is written, then raise it: an interrupted run writes all of
    its files or none (each one is atomic anyway), never part of the batch."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = signal.getsignal(signal.SIGINT)
    signal.signal(signal.SIGINT, lambda signum, frame: caught.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
