"""A file that was clean under the project's formatter (ruff format or black, from its pyproject.toml)
stays clean after the rewrite; a file the project does not format is not reformatted; a formatter that
is not installed is said once. Real temporary repositories, the real formatters."""

from __future__ import annotations

import subprocess

import libcst as cst
import pytest

from codemods import engine
from codemods.pipeline import format as fmt
from codemods.transforms.base import Transform

from .demo_transform import DemoRename

RUFF_CONFIG = '[tool.ruff]\nline-length = 40\n\n[tool.ruff.format]\nquote-style = "single"\n'
BLACK_CONFIG = "[tool.black]\nline-length = 40\n"


class LongerCall(DemoRename):
    """``old_api(x)`` becomes ``new_api_with_a_much_longer_name(x, "strict")``: a long line, double quotes."""

    name = "demo-longer"

    def rewrite(self, module, file_plan, ctx):
        class Lengthen(cst.CSTTransformer):
            def leave_Call(self, original, updated):
                if isinstance(updated.func, cst.Name) and updated.func.value == "old_api":
                    ctx.fix(1, 1, "longer", safety="safe")
                    return updated.with_changes(
                        func=cst.Name("new_api_with_a_much_longer_name"),
                        args=[*updated.args, cst.Arg(cst.SimpleString('"strict"'))],
                    )
                return updated

        return module.visit(Lengthen())


def formatted_by(tool: str, text: str, cwd, filename: str = "mod.py") -> str:
    cmd = fmt.command(tool)
    assert cmd, f"{tool} is a test dependency"
    argv = [*cmd, "format", "--stdin-filename", filename, "-"] if tool == "ruff" else [*cmd, "-q", "--stdin-filename", filename, "-"]
    return subprocess.run(argv, input=text.encode(), capture_output=True, cwd=cwd, check=True).stdout.decode()


SOURCE = "import lib\n\n\ndef main():\n    value = lib.load('x')\n    return old_api(value)\n"


def run(r, **kw):
    return engine.run([str(r)], [LongerCall()], root=str(r), jobs=1, **kw)


def test_ruff_clean_file_stays_ruff_clean(repo, tmp_path):
    r = repo({"pyproject.toml": RUFF_CONFIG})
    clean = formatted_by("ruff", SOURCE, r)
    assert clean == SOURCE  # the input is what ruff makes of it under this configuration
    (r / "mod.py").write_text(clean)
    cs = run(r)
    new = cs.files[0].new_text
    assert new == formatted_by("ruff", new, r)  # clean after the rewrite
    # the project's line length and quote style; untouched lines untouched
    assert max(len(line) for line in new.splitlines()) <= 40 and "'strict'" in new and '"' not in new
    assert new.startswith("import lib\n\n\ndef main():\n    value = lib.load('x')\n    return ")
    assert cs.stats["formatted"] == 1 and not cs.notices


def test_a_file_the_project_does_not_format_is_not_reformatted(repo):
    messy = 'import lib\ndef main():\n    value = lib.load("x")\n    return old_api(value)\n'
    r = repo({"pyproject.toml": RUFF_CONFIG, "mod.py": messy})
    assert formatted_by("ruff", messy, r) != messy
    cs = run(r)
    assert cs.files[0].new_text == messy.replace("old_api(value)", 'new_api_with_a_much_longer_name(value, "strict")')
    assert cs.stats["formatted"] == 0


def test_black_clean_file_stays_black_clean(repo):
    source = SOURCE.replace("'x'", '"x"')
    r = repo({"pyproject.toml": BLACK_CONFIG})
    assert formatted_by("black", source, r) == source
    (r / "mod.py").write_text(source)
    cs = run(r)
    new = cs.files[0].new_text
    assert new == formatted_by("black", new, r)
    assert max(len(line) for line in new.splitlines()) <= 40


def test_nested_configuration_holds(repo):
    """A sub-project's own ruff.toml (line length 100 there) wins for its files, as ruff resolves it."""
    r = repo({"pyproject.toml": RUFF_CONFIG, "sub/ruff.toml": "line-length = 100\n[format]\nquote-style = 'single'\n"})
    (r / "mod.py").write_text(formatted_by("ruff", SOURCE, r))
    (r / "sub" / "mod.py").write_text(SOURCE)
    cs = run(r)
    by_path = {f.path: f.new_text for f in cs.files}
    assert "new_api_with_a_much_longer_name(\n" in by_path["mod.py"]
    assert "    return new_api_with_a_much_longer_name(value, 'strict')\n" in by_path["sub/mod.py"]


def test_both_configured_the_one_the_file_is_clean_under_wins(repo):
    """[tool.black] left over beside [tool.ruff]: a file clean under ruff's single quotes (not black's
    double quotes) is formatted by ruff."""
    r = repo({"pyproject.toml": BLACK_CONFIG + RUFF_CONFIG})
    (r / "mod.py").write_text(SOURCE)
    cs = run(r)
    assert "'strict'" in cs.files[0].new_text and cs.stats["formatted"] == 1


def test_formatter_not_installed_is_said_once_and_the_rewrite_kept(repo, monkeypatch):
    monkeypatch.setattr(fmt, "command", lambda name: None)
    r = repo({"pyproject.toml": RUFF_CONFIG, "a.py": SOURCE, "b.py": SOURCE})
    cs = run(r)
    assert [f.new_text for f in cs.files] == [SOURCE.replace("old_api(value)", 'new_api_with_a_much_longer_name(value, "strict")')] * 2
    assert [(n.path, n.message) for n in cs.notices] == [(
        "pyproject.toml",
        "ruff ([tool.ruff] in pyproject.toml) is configured but not installed here: 2 changed file(s) were not "
        "checked against it; run it on them before committing",
    )]
    assert not cs.errors


def test_formatter_failing_is_a_notice_not_an_error(repo):
    r = repo({"pyproject.toml": "[tool.ruff]\nline-length = 'wide'\n", "mod.py": SOURCE})
    cs = run(r)
    assert cs.files[0].new_text.count("new_api_with_a_much_longer_name(value") == 1
    assert "ruff ([tool.ruff] in pyproject.toml) failed" in cs.notices[0].message and not cs.errors


def test_no_formatter_configured_costs_nothing(repo, monkeypatch):
    def fail(name):
        raise AssertionError("no formatter should be looked for")

    monkeypatch.setattr(fmt, "command", fail)
    r = repo({"mod.py": SOURCE})
    assert run(r).stats["formatted"] == 0


@pytest.mark.parametrize("formatting", [True, False])
def test_formatting_can_be_turned_off(repo, formatting):
    r = repo({"pyproject.toml": RUFF_CONFIG, "mod.py": SOURCE})
    cs = engine.run_phases([str(r)], [LongerCall()], root=str(r), jobs=1, formatting=formatting).changeset
    assert cs.stats["formatted"] == int(formatting)


def test_demo_transform_is_a_transform():
    assert issubclass(LongerCall, Transform)
