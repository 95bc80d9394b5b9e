"""What a run produces: changed files, skips and errors, and their rendering as a unified diff.

The diff is computed on the decoded text (BOM and line endings included) and encoded back with each
file's own encoding, so ``git apply`` takes the patch byte for byte: CRLF files, Latin-1 files with a
coding cookie and files with no final newline included.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from .source import Decoded, split_lines
from .model import UNSAFE, Change, Skip

NO_NEWLINE = "\\ No newline at end of file\n"


@dataclass(frozen=True, order=True)
class FileError:
    """A file that could not be processed (exit 2), or a transform whose output failed verification."""

    path: str
    message: str
    kind: str = "error"  # "error" | "internal"
    line: int = 0  # where in the file, when known (a syntax error's line); 0 when not
    transform: str = ""  # the transform it concerns (an internal error, a dropped output); "" for the file itself

    def format(self) -> str:
        return f"{self.path}:{self.line}: {self.message}" if self.line else f"{self.path}: {self.message}"


@dataclass(frozen=True)
class Hunk:
    """One hunk: the opcodes of a difflib group, in line indices of the old and new text."""

    old_start: int
    old_len: int
    new_start: int
    new_len: int
    opcodes: tuple[tuple[str, int, int, int, int], ...]


@dataclass
class FileChange:
    path: str  # repository-relative, POSIX
    old_bytes: bytes
    new_text: str
    source: Decoded
    changes: list[Change] = field(default_factory=list)
    # (new_text, its hunks with 3 lines of context), computed where the file was rewritten (in a worker,
    # or by the run whose outcome the results cache kept); used only while new_text is that text
    known_hunks: tuple[str, list[Hunk]] | None = field(default=None, repr=False, compare=False)

    @property
    def old_text(self) -> str:
        return self.source.text

    @property
    def new_bytes(self) -> bytes:
        return self.source.encode(self.new_text)

    def _lines(self) -> tuple[list[str], list[str]]:
        bom = "\ufeff" if self.source.bom else ""
        return split_lines(bom + self.old_text), split_lines(bom + self.new_text)

    def hunks(self, context: int = 3) -> list[Hunk]:
        if context == 3 and self.known_hunks is not None and self.known_hunks[0] == self.new_text:
            return list(self.known_hunks[1])
        old, new = self._lines()
        result = []
        for group in difflib.SequenceMatcher(None, old, new, autojunk=False).get_grouped_opcodes(context):
            i1, i2 = group[0][1], group[-1][2]
            j1, j2 = group[0][3], group[-1][4]
            result.append(Hunk(i1, i2 - i1, j1, j2 - j1, tuple(tuple(op) for op in group)))
        return result

    def diff(self, context: int = 3) -> str:
        """The unified diff of this file, with git's a/ b/ headers."""
        old, new = self._lines()
        hunks = self.hunks(context)
        if not hunks:
            return ""
        out = [f"diff --git a/{self.path} b/{self.path}\n", f"--- a/{self.path}\n", f"+++ b/{self.path}\n"]
        for h in hunks:
            out.append(f"@@ -{_range(h.old_start, h.old_len)} +{_range(h.new_start, h.new_len)} @@\n")
            for tag, i1, i2, j1, j2 in h.opcodes:
                if tag == "equal":
                    out.extend(_emit(" ", old[i1:i2]))
                    continue
                if tag in ("replace", "delete"):
                    out.extend(_emit("-", old[i1:i2]))
                if tag in ("replace", "insert"):
                    out.extend(_emit("+", new[j1:j2]))
        return "".join(out)

    def hunk_texts(self, context: int = 3) -> list[str]:
        """Each hunk of :meth:`diff` on its own, from its ``@@`` line (file headers left out)."""
        out: list[list[str]] = []
        for line in self.diff(context).splitlines(keepends=True):
            if line.startswith("@@"):
                out.append([line])
            elif out:
                out[-1].append(line)
        return ["".join(h) for h in out]

    def change_hunks(self, hunks: list[Hunk] | None = None) -> dict[Change, list[int]]:
        """The hunks (indices into :meth:`hunks`) that hold each of this file's changes: those whose
        changed lines meet the change's span, else those whose context does, else the nearest one."""
        hunks = self.hunks() if hunks is None else hunks
        out: dict[Change, list[int]] = {}
        if not hunks:
            return out
        changed = []  # 1-based old-line ranges of each hunk's edits, and of the hunk with its context
        for h in hunks:
            edits = [(i1 + 1, max(i2, i1 + 1)) for tag, i1, i2, _, _ in h.opcodes if tag != "equal"]
            changed.append((min(a for a, _ in edits), max(b for _, b in edits), h.old_start + 1, h.old_start + max(h.old_len, 1)))
        for c in self.changes:
            start, end = c.line, max(c.end_line or c.line, c.line)
            found = [i for i, (a, b, _, _) in enumerate(changed) if a <= end and start <= b]
            found = found or [i for i, (_, _, a, b) in enumerate(changed) if a <= end and start <= b]
            if not found:
                found = [min(range(len(changed)), key=lambda i: min(abs(changed[i][0] - start), abs(changed[i][1] - start)))]
            out[c] = found
        return out

    def diff_bytes(self) -> bytes:
        # in the file's own encoding (a BOM is U+FEFF in the first line: UTF-8 encodes it as EF BB BF)
        return self.diff().encode(self.source.encoding)

    def apply_hunks(self, accepted: list[Hunk]) -> str:
        """The new text with only the accepted hunks applied (for interactive review)."""
        old, new = self._lines()
        result: list[str] = []
        pos = 0
        for h in accepted:
            for tag, i1, i2, j1, j2 in h.opcodes:
                if tag == "equal":
                    continue
                result.extend(old[pos:i1])
                result.extend(new[j1:j2])
                pos = i2
        result.extend(old[pos:])
        text = "".join(result)
        return text[1:] if self.source.bom and text.startswith("\ufeff") else text


def _range(start: int, length: int) -> str:
    if length == 1:
        return str(start + 1)
    return f"{start + (1 if length else 0)},{length}"


def _emit(prefix: str, lines: list[str]) -> list[str]:
    out = []
    for line in lines:
        if line.endswith("\n"):
            out.append(prefix + line)
        else:
            out.append(prefix + line + "\n" + NO_NEWLINE)
    return out


@dataclass
class Changeset:
    root: str
    transforms: list[str]
    files: list[FileChange] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)
    errors: list[FileError] = field(default_factory=list)
    notices: list[FileError] = field(default_factory=list)  # reported, not failures (links, ignored files)
    held: list[Change] = field(default_factory=list)  # unsafe fixes this run did not apply (--unsafe-fixes)
    suppressed: list[Change] = field(default_factory=list)  # fixes declined by `# codemod: ignore`
    stats: dict[str, float] = field(default_factory=dict)

    @property
    def changes(self) -> list[Change]:
        return sorted(c for f in self.files for c in f.changes)

    def diff(self) -> str:
        return "".join(f.diff() for f in sorted(self.files, key=lambda f: f.path))

    def patch_bytes(self) -> bytes:
        return b"".join(f.diff_bytes() for f in sorted(self.files, key=lambda f: f.path))

    def to_json(self) -> dict:
        return {
            "version": 1,
            "root": self.root,
            "transforms": self.transforms,
            "files": [
                {"path": f.path, "changes": len(f.changes), "diff": f.diff()}
                for f in sorted(self.files, key=lambda f: f.path)
            ],
            "changes": [c.to_json() for c in self.changes],
            "held_back": [c.to_json() for c in self.held],
            "suppressed": [c.to_json() for c in self.suppressed],
            "skips": [_skip_json(s) for s in sorted(self.skips)],
            "errors": [{"path": e.path, "message": e.message, "kind": e.kind} for e in sorted(self.errors)],
            "notices": [{"path": e.path, "message": e.message} for e in sorted(self.notices)],
            "summary": {
                "files_changed": len(self.files),
                "rewrites": sum(len(f.changes) for f in self.files),
                "unsafe": sum(c.safety == UNSAFE for c in self.changes),
                "held_back": len(self.held),
                "suppressed": len(self.suppressed),
                "skips": len(self.skips),
                "errors": len(self.errors),
            },
            "stats": self.stats,
        }


def _skip_json(item: Skip) -> dict:
    return {"path": item.path, "line": item.line, "col": item.col, "transform": item.transform, "reason": item.reason}
