"""The text report of a run: changes and skips (file:line:col, with each fix's safety), notes and
errors, statistics, timings, and one summary line that ends with the next step."""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass, field

import click

from ..changeset import Changeset, FileChange
from ..model import UNSAFE, Change
from .common import display

# git's diff colours
_BOLD, _CYAN, _RED, _GREEN, _YELLOW, _RESET = "\x1b[1m", "\x1b[36m", "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[m"


def plural(n: int, word: str, many: str | None = None) -> str:
    """``1 file``, ``2 files``, ``1 fix``, ``3 fixes``."""
    if n == 1:
        return f"{n} {word}"
    return f"{n} {many or (word + 'es' if word.endswith(('s', 'x', 'ch', 'sh')) else word + 's')}"


def colour_diff(data: bytes) -> bytes:
    """ANSI colours on a patch's lines, as git colours them; the bytes between are untouched."""
    out = []
    for line in data.splitlines(keepends=True):
        body, end = (line[:-1], line[-1:]) if line.endswith(b"\n") else (line, b"")
        if body.startswith((b"diff --git", b"--- ", b"+++ ")):
            code = _BOLD
        elif body.startswith(b"@@"):
            code = _CYAN
        elif body.startswith(b"-"):
            code = _RED
        elif body.startswith(b"+"):
            code = _GREEN
        else:
            out.append(line)
            continue
        out.append(code.encode() + body + _RESET.encode() + end)
    return b"".join(out)


def write_stdout_bytes(data: bytes) -> None:
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()


@dataclass
class Reporter:
    """Where and how a run's text goes: stdout holds the primary output, stderr the rest."""

    cs: Changeset
    colour_out: bool = False
    colour_err: bool = False
    quiet: bool = False
    verbose: bool = False
    show_skips: bool = False
    lines: list[str] = field(default_factory=list)

    def _echo(self, text: str, *, err: bool) -> None:
        click.echo(text, err=err, color=self.colour_err if err else self.colour_out)

    def _style(self, text: str, code: str, err: bool = True) -> str:
        return f"{code}{text}{_RESET}" if (self.colour_err if err else self.colour_out) else text

    def patch(self, files: list[FileChange] | None = None) -> None:
        """The patch on stdout, byte for byte what `--patch -` writes (colours only when asked)."""
        data = self.cs.patch_bytes() if files is None else b"".join(f.diff_bytes() for f in files)
        write_stdout_bytes(colour_diff(data) if self.colour_out else data)

    def change(self, c: Change, *, err: bool, held: bool = False) -> None:
        tag = self._style(f"[{c.safety}]", _YELLOW if c.safety == UNSAFE else _GREEN, err)
        what = "held back: " if held else ""
        why = f" ({c.why})" if c.why and c.safety == UNSAFE else ""
        self._echo(f"{display(self.cs, c.path)}:{c.line}:{c.col}: {c.transform} {tag}: {what}{c.message}{why}", err=err)

    def changes(self, changes: list[Change], *, err: bool) -> None:
        if self.quiet:
            return
        for c in changes:
            self.change(c, err=err)

    def skips(self, *, err: bool) -> None:
        if not self.show_skips or self.quiet:
            return
        for s in self.cs.skips:
            click.echo(f"{display(self.cs, s.path)}:{s.line}:{s.col}: {s.transform}: skipped: {s.reason}", err=err)
        for c in self.cs.held:
            self.change(c, err=err, held=True)

    def problems(self) -> None:
        """Notes (unless quiet) and errors (always) on stderr."""
        if not self.quiet:
            for n in self.cs.notices:
                click.echo(f"{display(self.cs, n.path)}: note: {n.message}", err=True)
        for e in self.cs.errors:
            label = "internal error" if e.kind == "internal" else "error"
            where = f"{display(self.cs, e.path)}:{e.line}" if getattr(e, "line", 0) else display(self.cs, e.path)
            self._echo(f"{where}: {self._style(label, _RED)}: {e.message}", err=True)

    def statistics(self) -> None:
        """Counts per transform and fix safety, held-back fixes, and skips per reason (as ruff --statistics)."""
        rows: list[tuple[int, str, str]] = []
        for (t, safety), n in sorted(Counter((c.transform, c.safety) for c in self.cs.changes).items()):
            rows.append((n, t, f"[{safety}] rewrites"))
        for t, n in sorted(Counter(c.transform for c in self.cs.held).items()):
            rows.append((n, t, "[unsafe] held back (--unsafe-fixes)"))
        for t, n in sorted(Counter(c.transform for c in self.cs.suppressed).items()):
            rows.append((n, t, "suppressed by `# codemod: ignore`"))
        reasons = Counter((s.transform, reason_kind(s.reason)) for s in self.cs.skips)
        for (t, reason), n in sorted(reasons.items(), key=lambda kv: (kv[0][0], -kv[1], kv[0][1])):
            rows.append((n, t, f"skipped: {reason}"))
        width = max((len(str(n)) for n, _, _ in rows), default=1)
        name_width = max((len(t) for _, t, _ in rows), default=1)
        for n, t, what in rows:
            click.echo(f"{str(n).rjust(width)}  {t.ljust(name_width)}  {what}")

    def timings(self) -> None:
        if not self.verbose:
            return
        stats = self.cs.stats
        names = {"files": "checked", "files_read": "read", "indexed": "parsed (ast)", "rewritten": "rewritten (LibCST)",
                 "cache_hits": "index cache hits"}
        counts = [f"{int(v)} {names.get(k, k.replace('_', ' '))}" for k, v in stats.items() if not k.endswith("_s")]
        times = [f"{k[:-2]} {v:.3f}s" for k, v in stats.items() if k.endswith("_s")]
        if counts:
            click.echo(f"files: {', '.join(counts)}", err=True)
        if times:
            click.echo(f"timings: {', '.join(times)}", err=True)

    def summary(self, *, mode: str, written: list[FileChange] | None = None, patch_file: str | None = None) -> None:
        """One line on stderr. ``mode``: "write" | "dry-run" | "check" | "patch" | "stdin" | "review"."""
        if self.quiet:
            return
        cs = self.cs
        if mode in ("write", "review"):
            files = written or []
            changes = [c for f in files for c in f.changes]
            head = "Changed" if files else "Nothing changed"
        else:
            files, changes = cs.files, cs.changes
            head = "Would change" if files else "Nothing to change"
        parts = []
        if files:
            parts.append(f"{head} {plural(len(files), 'file')} ({rewrite_counts(changes)})")
        else:
            parts.append(head)
        if cs.skips:
            parts.append(plural(len(cs.skips), "candidate") + " skipped" + ("" if self.show_skips else " (--show-skips lists them)"))
        if cs.suppressed:
            parts.append(plural(len(cs.suppressed), "fix", "fixes") + " suppressed by `# codemod: ignore`")
        if cs.errors:
            parts.append(self._style(plural(len(cs.errors), "error"), _RED))
        checked = int(cs.stats.get("files", 0))
        parts.append(f"{plural(checked, 'file')} checked")
        line = "; ".join(parts) + "."
        steps = []
        if cs.held:
            steps.append(f"{plural(len(cs.held), 'unsafe fix', 'unsafe fixes')} held back: --unsafe-fixes applies "
                         f"{'it' if len(cs.held) == 1 else 'them'}.")
        if files and mode in ("dry-run", "diff", "check"):
            steps.append(f"Run without --{mode} to apply.")
        elif files and mode == "patch" and patch_file and patch_file != "-":
            steps.append(f"`git apply {patch_file}` applies it.")
        self._echo(" ".join([line, *steps]), err=True)


def rewrite_counts(changes: list[Change]) -> str:
    """``2 await-free rewrites`` or ``3 rewrites: 2 await-free, 1 lock-await; 1 unsafe``."""
    per = Counter(c.transform for c in changes)
    unsafe = sum(c.safety == UNSAFE for c in changes)
    tail = f", {unsafe} unsafe" if unsafe else ""
    if len(per) == 1:
        (name, n), = per.items()
        return f"{plural(n, name + ' rewrite')}{tail}"
    listed = ", ".join(f"{n} {t}" for t, n in sorted(per.items(), key=lambda kv: (-kv[1], kv[0])))
    return f"{plural(len(changes), 'rewrite')}: {listed}" + (f"; {unsafe} unsafe" if unsafe else "")


_CODE = re.compile(r"`[^`]*`|'[^']*'|\"[^\"]*\"|\b\d+\b")


def reason_kind(reason: str) -> str:
    """A skip reason with its particulars (names in backticks or quotes, numbers) blanked, so that
    reasons of one kind count together."""
    return _CODE.sub("…", reason)
