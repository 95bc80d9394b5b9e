"""Reading and writing source files without losing a byte: encoding, BOM and line endings kept."""

from __future__ import annotations

import codecs
import io
import os
import tempfile
import tokenize
from dataclasses import dataclass


class SourceError(Exception):
    """A file that cannot be processed; the message says why, for the user."""


@dataclass(frozen=True)
class Decoded:
    text: str  # without the BOM; line endings as in the file
    encoding: str  # Python codec name used to decode (PEP 263 cookie, default utf-8)
    bom: bool  # the file starts with a UTF-8 byte order mark

    @property
    def newline(self) -> str:
        return "\r\n" if "\r\n" in self.text else "\n"

    def encode(self, text: str) -> bytes:
        data = text.encode(self.encoding)
        return codecs.BOM_UTF8 + data if self.bom else data


def decode(data: bytes) -> Decoded:
    """Decode Python source as the interpreter would (PEP 263), keeping what is needed to re-encode it."""
    if b"\x00" in data:
        raise SourceError("contains NUL bytes: a binary file, not Python source")
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        if "invalid or missing encoding declaration" in str(exc):
            raise SourceError("not valid utf-8, and no encoding declaration (PEP 263 coding cookie)") from None
        raise SourceError(f"bad encoding declaration: {exc}") from None
    bom = data.startswith(codecs.BOM_UTF8)
    if bom:
        data = data[len(codecs.BOM_UTF8) :]
    if encoding == "utf-8-sig":
        encoding = "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise SourceError(
            f"not valid {encoding} at byte {exc.start + (3 if bom else 0)}"
            + ("" if encoding != "utf-8" else " (declare the encoding with a coding cookie, PEP 263)")
        ) from None
    except LookupError:
        raise SourceError(f"unknown encoding {encoding!r}") from None
    return Decoded(text, encoding, bom)


def split_lines(text: str) -> list[str]:
    """Split on '\\n' only, keeping ends, as git and diff do (str.splitlines also splits on \\x0c etc.)."""
    if not text:
        return []
    parts = text.split("\n")
    lines = [p + "\n" for p in parts[:-1]]
    if parts[-1]:
        lines.append(parts[-1])
    return lines


def write_atomic(path: str, data: bytes) -> None:
    """Replace ``path`` with ``data`` atomically, keeping its permission bits."""
    directory = os.path.dirname(path) or "."
    mode = os.stat(path).st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=".codemod-", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
