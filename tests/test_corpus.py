"""The behavioural corpus: realistic programs run before and after every transform, and compared.

See tests/corpus/README.md for the format. Each program is checked against its header (the named
transform rewrote it or left it alone, with the skips and fixes it names), and then run after each
transform alone and after `all` with unsafe fixes: the output must be the same as before.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from codemods import engine
from codemods.transforms import registry

CORPUS = Path(__file__).resolve().parent / "corpus"
RUN_TIMEOUT = 20  # seconds; a program that hangs after a rewrite fails with a clear message


@dataclass
class Program:
    path: Path  # the .py file, or the folder holding main.py
    transform: str
    expect: str
    skips: list[str] = field(default_factory=list)
    fixes: list[str] = field(default_factory=list)

    @property
    def id(self) -> str:
        return self.path.relative_to(CORPUS).as_posix()

    @property
    def main(self) -> Path:
        return self.path / "main.py" if self.path.is_dir() else self.path


_HEADER = re.compile(r"#\s*(corpus|expect|skip|fixed):\s*(.+?)\s*$")


def load(path: Path) -> Program:
    main = path / "main.py" if path.is_dir() else path
    fields: dict[str, list[str]] = {}
    for line in main.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        m = _HEADER.match(line)
        if m:
            fields.setdefault(m.group(1), []).append(m.group(2).split("  #")[0].strip())
    assert fields.get("corpus"), f"{main}: no `# corpus: TRANSFORM` header"
    expect = (fields.get("expect") or ["changed"])[0]
    assert expect in ("changed", "unchanged"), f"{main}: expect must be changed or unchanged"
    return Program(path, fields["corpus"][0], expect, fields.get("skip", []), fields.get("fixed", []))


def programs() -> list[Program]:
    found = []
    for area in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
        for entry in sorted(area.iterdir()):
            if entry.name.startswith((".", "_")):
                continue
            if (entry.is_file() and entry.suffix == ".py") or (entry.is_dir() and (entry / "main.py").is_file()):
                found.append(load(entry))
    return found


PROGRAMS = programs()


def execute(folder: Path, script: str) -> tuple[int, str, str]:
    env = {**os.environ, "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1"}
    try:
        out = subprocess.run(
            [sys.executable, "-X", "dev", script], cwd=folder, capture_output=True, text=True,
            timeout=RUN_TIMEOUT, env=env,
        )
    except subprocess.TimeoutExpired:
        return -1, "", f"timed out after {RUN_TIMEOUT} s (a loop that no longer ends?)"
    # -X dev shows un-awaited coroutines and never-retrieved task exceptions: part of behaviour
    stderr = "\n".join(line for line in out.stderr.splitlines() if "tracemalloc" not in line)
    return out.returncode, out.stdout, stderr


def stage(program: Program, tmp: Path) -> tuple[Path, str]:
    """A copy of the program in ``tmp``: the folder to run in and the script to run."""
    target = tmp / "prog"
    if program.path.is_dir():
        shutil.copytree(program.path, target, ignore=shutil.ignore_patterns("__pycache__"))
        return target, "main.py"
    target.mkdir(parents=True)
    shutil.copy(program.path, target / "main.py")
    return target, "main.py"


def transform(names: list[str], options: dict | None = None, unsafe: bool = True):
    reg = registry()
    out = []
    for name in names:
        t = reg[name]((options or {}).get(name, {}))
        t.allow_unsafe = unsafe
        out.append(t)
    return out


def apply(folder: Path, transforms) -> "engine.Changeset":
    cs = engine.run([str(folder)], transforms, jobs=1, root=str(folder))
    internal = [e.format() for e in cs.errors]
    assert not internal, f"errors: {internal}"
    for fc in cs.files:
        compile(fc.new_text, fc.path, "exec", dont_inherit=True)
    engine.write_changes(cs)
    return cs


def modes() -> list[tuple[str, list[str]]]:
    reg = registry()
    return [(name, [name]) for name in reg] + [("all", [n for n, c in reg.items() if c.in_all])]


def test_corpus_has_programs_for_every_transform():
    covered = {p.transform for p in PROGRAMS}
    assert set(registry()) <= covered, f"no corpus programs for {sorted(set(registry()) - covered)}"


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.id for p in PROGRAMS])
def test_named_transform_does_what_the_program_says(program: Program, tmp_path: Path):
    assert program.transform in registry(), f"{program.id}: no transform {program.transform!r}"
    folder, script = stage(program, tmp_path)
    before = (folder / script).read_text(encoding="utf-8") if not program.path.is_dir() else None
    cs = apply(folder, transform([program.transform]))
    if program.expect == "changed":
        assert cs.files, f"{program.id}: expected {program.transform} to rewrite it; skips: {[s.format() for s in cs.skips]}"
    else:
        assert not cs.files, f"{program.id}: expected {program.transform} to leave it alone; it changed:\n{cs.diff()}"
    reasons = [s.reason for s in cs.skips if s.transform == program.transform]
    for text in program.skips:
        assert any(text in r for r in reasons), f"{program.id}: no skip mentions {text!r}; skips: {reasons}"
    messages = [c.message for c in cs.changes]
    for text in program.fixes:
        assert any(text in m for m in messages), f"{program.id}: no change mentions {text!r}; changes: {messages}"
    if before is not None and program.expect == "unchanged":
        assert (folder / script).read_text(encoding="utf-8") == before


@pytest.mark.parametrize("program", PROGRAMS, ids=[p.id for p in PROGRAMS])
def test_program_behaves_the_same_after_every_transform(program: Program, tmp_path: Path):
    original, script = stage(program, tmp_path / "original")
    expected = execute(original, script)
    assert expected[0] == 0, f"{program.id} fails before any transform:\n{expected[2]}"
    for label, names in modes():
        folder, _ = stage(program, tmp_path / label)
        cs = apply(folder, transform(names))
        if not cs.files:
            continue
        got = execute(folder, script)
        assert got == expected, (
            f"{program.id}: behaves differently after {label}\n--- patch\n{cs.diff()}\n"
            f"--- before (exit {expected[0]})\n{expected[1]}{expected[2]}\n--- after (exit {got[0]})\n{got[1]}{got[2]}"
        )
