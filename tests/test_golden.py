"""Replays every golden case: golden/<transform>/<case>/before/ (a tiny repo) + expected.patch + expected.skips.

For each case: the patch the engine produces equals expected.patch byte for byte; the skips (and any
file errors) equal expected.skips; `git apply` takes the patch and the patched files compile; and a
second run over the patched repository changes nothing. `pytest --update-golden` rewrites the
expected files from the current output, to be reviewed in `git diff`.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from unidiff import PatchSet

from codemods import engine
from codemods.config import load
from codemods.transforms import registry

from .conftest import GOLDEN, git, make_repo

CASES = sorted(p for p in GOLDEN.glob("*/*") if (p / "before").is_dir())


def _run(repo: Path, name: str):
    reg = registry()
    config = load(str(repo), set(reg))
    transform = reg[name](config.transform_options.get(name, {}))
    return engine.run([str(repo)], [transform], config=config, jobs=1, root=str(repo))


def _report(cs) -> str:
    lines = [s.format() for s in cs.skips]
    lines += [f"{e.path}: {e.kind}: {e.message}" for e in sorted(cs.errors)]
    return "".join(line + "\n" for line in lines)


def test_every_transform_has_golden_cases():
    names = {p.parent.name for p in CASES}
    missing = set(registry()) - names
    assert not missing, f"transforms without golden cases: {sorted(missing)}"


@pytest.mark.parametrize("case", CASES, ids=[f"{p.parent.name}/{p.name}" for p in CASES])
def test_golden(case: Path, tmp_path: Path, update_golden: bool):
    name = case.parent.name
    assert name in registry(), f"golden/{name}: no transform of that name"
    repo = make_repo(tmp_path / "repo", source=case / "before")
    cs = _run(repo, name)
    patch = cs.patch_bytes()
    report = _report(cs)
    internal = [e for e in cs.errors if e.kind == "internal"]
    assert not internal, f"internal errors: {internal}"

    if update_golden:
        (case / "expected.patch").write_bytes(patch)
        (case / "expected.skips").write_text(report, encoding="utf-8", newline="\n")
    expected_patch = (case / "expected.patch").read_bytes() if (case / "expected.patch").exists() else None
    expected_report = (case / "expected.skips").read_text(encoding="utf-8") if (case / "expected.skips").exists() else None
    assert expected_patch is not None, f"{case}/expected.patch missing (run pytest --update-golden)"
    assert patch.decode("utf-8", "replace") == expected_patch.decode("utf-8", "replace")
    assert patch == expected_patch
    assert report == expected_report

    # an independent parser (unidiff) reads the patch back: one entry per changed file, a/ b/ paths,
    # hunk lengths consistent with their lines (unidiff refuses a hunk whose counts do not match)
    if patch:
        parsed = PatchSet(patch.decode("utf-8", "surrogateescape"))
        assert [(f.source_file, f.target_file) for f in parsed] == [(f"a/{fc.path}", f"b/{fc.path}") for fc in cs.files]
        for pf, fc in zip(parsed, cs.files):
            assert pf.added + pf.removed > 0
            assert sum(len(h) for h in pf) == sum(h.old_len + h.new_len - sum(i2 - i1 for tag, i1, i2, _, _ in h.opcodes if tag == "equal") for h in fc.hunks())

    # the patch applies with git to a pristine copy, and the result compiles
    applied = make_repo(tmp_path / "applied", source=case / "before")
    if patch:
        (tmp_path / "case.patch").write_bytes(patch)
        res = git(applied, "apply", "--whitespace=nowarn", str(tmp_path / "case.patch"), check=False)
        assert res.returncode == 0, res.stderr
        for rel in {f.path for f in cs.files}:
            source = (applied / rel).read_bytes()
            compile(source, rel, "exec", dont_inherit=True)
        for fc in cs.files:
            assert (applied / fc.path).read_bytes() == fc.new_bytes
        git(applied, "commit", "-qam", "codemod")

    # a second run changes nothing
    again = _run(applied, name)
    assert again.patch_bytes() == b"", "second run is not a fixpoint:\n" + again.diff()
