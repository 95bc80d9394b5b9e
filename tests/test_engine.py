"""The pipeline on bad input and on the edges of the file system, with a minimal test transform."""

from __future__ import annotations

import codecs
import os
import stat

import pytest
from pathlib import Path

from codemods import engine
from codemods.changeset import FileChange
from codemods.config import Config
from codemods.source import decode, split_lines

from .conftest import git
from .demo_transform import DemoRename

GOOD = "import lib\n\n\ndef main():\n    return old_api(1)\n"
GOOD_NEW = "import lib\n\n\ndef main():\n    return new_api(1)\n"


def run(repo, **kw):
    return engine.run([str(repo)], [DemoRename()], root=str(repo), jobs=kw.pop("jobs", 1), **kw)


def errors(cs):
    return {e.path: e.message for e in cs.errors}


def check_patch_applies(repo, cs, tmp_path):
    patch = tmp_path / "out.patch"
    patch.write_bytes(cs.patch_bytes())
    res = git(repo, "apply", "--check", str(patch), check=False)
    assert res.returncode == 0, res.stderr
    git(repo, "apply", str(patch))
    for fc in cs.files:
        assert (repo / fc.path).read_bytes() == fc.new_bytes


def test_rewrites_and_reports(repo, tmp_path):
    r = repo({"a.py": GOOD, "b.py": "x = old_api\n", "c.py": "print('nothing here')\n"})
    cs = run(r)
    assert [f.path for f in cs.files] == ["a.py"]
    assert cs.files[0].new_text == GOOD_NEW
    assert [c.format() for c in cs.changes] == ["a.py:5:12: demo-rename: old_api() is new_api()"]
    assert [s.format() for s in cs.skips] == ["b.py:1:5: demo-rename: old_api used other than by a call"]
    assert cs.stats["indexed"] == 2  # c.py never passed the prefilter
    assert cs.diff() == (
        "diff --git a/a.py b/a.py\n--- a/a.py\n+++ b/a.py\n@@ -2,4 +2,4 @@\n \n \n def main():\n"
        "-    return old_api(1)\n+    return new_api(1)\n"
    )
    check_patch_applies(r, cs, tmp_path)


def test_syntax_error_beside_good_files(repo):
    r = repo({"bad.py": "def old_api(:\n", "good.py": GOOD})
    cs = run(r)
    assert [f.path for f in cs.files] == ["good.py"]
    assert errors(cs)["bad.py"].startswith("does not parse: ")


def test_latin1_with_coding_cookie_keeps_its_encoding(repo, tmp_path):
    src = "# -*- coding: latin-1 -*-\nname = 'caf\xe9'\nold_api(name)\n"
    r = repo({"l1.py": src.encode("latin-1")})
    cs = run(r)
    assert not cs.errors
    assert cs.files[0].new_bytes == src.replace("old_api", "new_api").encode("latin-1")
    check_patch_applies(r, cs, tmp_path)


def test_non_utf8_without_cookie_is_reported(repo):
    r = repo({"bad.py": b"old_api('caf\xe9')\n", "good.py": GOOD})
    cs = run(r)
    assert "not valid utf-8" in errors(cs)["bad.py"]
    assert [f.path for f in cs.files] == ["good.py"]


def test_bom_is_kept(repo, tmp_path):
    r = repo({"bom.py": codecs.BOM_UTF8 + GOOD.encode()})
    cs = run(r)
    assert cs.files[0].new_bytes == codecs.BOM_UTF8 + GOOD_NEW.encode()
    check_patch_applies(r, cs, tmp_path)


def test_crlf_is_kept(repo, tmp_path):
    r = repo({"crlf.py": GOOD.replace("\n", "\r\n").encode()})
    cs = run(r)
    assert cs.files[0].new_bytes == GOOD_NEW.replace("\n", "\r\n").encode()
    assert "\r\n" in cs.diff()
    check_patch_applies(r, cs, tmp_path)


def test_no_final_newline(repo, tmp_path):
    r = repo({"nonl.py": "old_api(1)"})
    cs = run(r)
    assert cs.files[0].new_text == "new_api(1)"
    assert "\\ No newline at end of file" in cs.diff()
    check_patch_applies(r, cs, tmp_path)


def test_empty_file_and_binary_bytes(repo):
    r = repo({"empty.py": "", "bin.py": b"old_api\x00\xff\xfe", "good.py": GOOD})
    cs = run(r)
    assert "NUL bytes" in errors(cs)["bin.py"]
    assert "empty.py" not in errors(cs)
    assert [f.path for f in cs.files] == ["good.py"]


def test_link_out_of_the_repo_is_not_followed(repo, tmp_path):
    outside = tmp_path / "outside.py"
    outside.write_text(GOOD)
    r = repo({"good.py": GOOD})
    os.symlink(outside, r / "link.py")
    cs = run(r)
    assert [f.path for f in cs.files] == ["good.py"]
    notes = {n.path: n.message for n in cs.notices}
    assert "pointing out of the repository" in notes["link.py"]
    assert outside.read_text() == GOOD


def test_gitignored_files_are_not_touched_and_untracked_ones_are(repo):
    r = repo({".gitignore": "gen/\n", "gen/x.py": GOOD})
    (r / "new.py").write_text(GOOD)
    cs = run(r)
    assert [f.path for f in cs.files] == ["new.py"]


def test_file_deleted_before_read_is_reported(repo):
    r = repo({"gone.py": GOOD, "good.py": GOOD})
    (r / "gone.py").unlink()  # git still lists it
    cs = run(r)
    assert "missing" in errors(cs)["gone.py"]
    assert [f.path for f in cs.files] == ["good.py"]


def test_file_deleted_or_edited_during_the_run_is_not_written(repo):
    r = repo({"a.py": GOOD, "b.py": GOOD, "c.py": GOOD})

    def meddle(phase, done, total):
        if phase == "rewrite" and done == 0:
            (r / "a.py").unlink()
            (r / "b.py").write_text(GOOD + "# edited meanwhile\n")

    cs = run(r, progress=meddle)
    written = engine.write_changes(cs)
    assert [f.path for f in written] == ["c.py"]
    assert "vanished" in errors(cs)["a.py"]
    assert "changed on disk" in errors(cs)["b.py"]
    assert not (r / "a.py").exists()
    assert (r / "b.py").read_text().endswith("# edited meanwhile\n")
    assert (r / "c.py").read_text() == GOOD_NEW


def test_atomic_write_keeps_mode(repo):
    r = repo({"tool.py": GOOD})
    os.chmod(r / "tool.py", 0o755)
    cs = run(r)
    engine.write_changes(cs)
    assert stat.S_IMODE(os.stat(r / "tool.py").st_mode) == 0o755
    assert not [p for p in os.listdir(r) if p.startswith(".codemod-")]


def test_parallel_run_gives_the_same_result(repo):
    files = {f"pkg/m{i}.py": GOOD if i % 3 else "x = old_api\n" for i in range(90)}
    r = repo(files)
    one = run(r, jobs=1)
    two = run(r, jobs=2)
    assert one.diff() == two.diff() and one.diff()
    assert one.skips == two.skips and len(one.skips) == 30


def test_config_exclude(repo):
    r = repo({"keep.py": GOOD, "vendor/x.py": GOOD})
    cs = run(r, config=Config(exclude=["vendor"]))
    assert [f.path for f in cs.files] == ["keep.py"]


def test_split_lines_only_on_newline():
    assert split_lines("a\x0cb\nc") == ["a\x0cb\n", "c"]
    assert decode(b"x = 1\r\n").newline == "\r\n"


def test_interactive_subset_of_hunks(repo):
    body = "".join(f"def f{i}():\n    return old_api({i})\n\n\n" for i in range(6))
    r = repo({"m.py": body})
    cs = run(r)
    fc: FileChange = cs.files[0]
    hunks = fc.hunks(context=0)
    assert len(hunks) == 6
    partial = fc.apply_hunks([hunks[0], hunks[5]])
    assert partial.count("new_api") == 2 and partial.count("old_api") == 4


def test_verification_drops_output_that_does_not_compile(repo):
    class Broken(DemoRename):
        name = "demo-broken"

        def rewrite(self, module, file_plan, ctx):
            import libcst as cst

            ctx.change(1, 1, "broke it")
            return cst.parse_module("return 1\n")  # LibCST parses it; compile() refuses it

    r = repo({"a.py": GOOD})
    cs = engine.run([str(r)], [Broken()], root=str(r), jobs=1)
    assert not cs.files
    assert cs.errors[0].kind == "internal" and "does not compile" in cs.errors[0].message


def test_apply_to_source_is_idempotent_checked():
    res = engine.apply_to_source([DemoRename()], GOOD)
    assert res.new_text == GOOD_NEW and len(res.changes) == 1 and not res.errors


def test_facts_cache_serves_unchanged_files_and_misses_edited_ones(repo):
    r = repo({"a.py": GOOD, "b.py": "x = old_api\n", "bad.py": "old_api(:\n"})
    cache = str(r / ".codemod-cache")
    first = run(r, cache_dir=cache)
    assert first.stats["cache_hits"] == 0
    assert (r / ".codemod-cache" / ".gitignore").read_text().strip().endswith("*")
    assert git(r, "status", "--porcelain").stdout == ""  # the cache ignores itself
    second = run(r, cache_dir=cache)
    assert second.stats["cache_hits"] == 3
    assert second.diff() == first.diff() and second.skips == first.skips
    assert errors(second) == errors(first) and "bad.py" in errors(second)
    (r / "b.py").write_text("y = old_api(2)\n")
    third = run(r, cache_dir=cache)
    assert third.stats["cache_hits"] == 2
    assert [f.path for f in third.files] == ["a.py", "b.py"]
    # other options are another key
    other = engine.run([str(r)], [DemoRename()], root=str(r), jobs=1, cache_dir=cache)
    assert other.diff() == third.diff()


def test_reference_names_are_matched_as_whole_words():
    match = engine.word_matcher([b"main", b"close"])
    assert match(b"asyncio.run(main())")
    assert match(b"await conn.close()")
    assert not match(b"domain = 'x'; enclosed = remaining = 1")
    assert engine.word_matcher([]) is None


def test_word_matcher_with_many_names_tokenises():
    names = [f"name{i}".encode() for i in range(200)] + [b"import *"]
    match = engine.word_matcher(names)
    assert match(b"x = name7(1)") and match(b"from pkg import *\n")
    assert not match(b"x = name7a + aname7 + name")


def test_deeply_nested_expression_is_reported_not_fatal(repo):
    deep = "x = " + "(" * 150 + "old_api(1)" + ")" * 150 + "\n"
    deeper = "y = " + "-" * 20000 + "old_api(2)\n"
    r = repo({"deep.py": deep, "deeper.py": deeper, "good.py": GOOD})
    cs = run(r)
    assert "good.py" in [f.path for f in cs.files]
    assert all(e.path != "good.py" for e in cs.errors)


def test_file_python_parses_but_libcst_does_not(repo):
    # a backslash continuation right before the end of the file: CPython accepts it, LibCST's tokenizer not
    r = repo({"odd.py": b"old_api(1)\n\\\r\n", "good.py": GOOD})
    cs = run(r)
    assert [f.path for f in cs.files] == ["good.py"]
    assert errors(cs)["odd.py"].startswith("LibCST cannot parse it")
    single = engine.apply_to_source([DemoRename()], "old_api(1)\n\\\r\n")
    assert single.new_text == "old_api(1)\n\\\r\n" and single.errors[0].startswith("LibCST cannot parse it")


def test_git_refusing_the_repository_is_a_clear_error(tmp_path):
    from codemods.discover import DiscoverError

    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / ".git").write_text("gitdir: /nonexistent/gitdir\n")  # git refuses it, as with "dubious ownership"
    (broken / "a.py").write_text(GOOD)
    with pytest.raises(DiscoverError, match="`git ls-files` failed"):
        engine.run([str(broken)], [DemoRename()], root=str(broken), jobs=1)


def test_transforms_together_settle_to_a_fixpoint(repo):
    """match-hoist turns an if/else under a lock into one await, which lock-await then moves: the run
    repeats the single-file transforms on a changed file until none changes it, so that a second
    `codemod apply -t all` changes nothing (found by exploring generated programs)."""
    from codemods.transforms import registry

    reg = registry()
    source = (Path(__file__).parent / "data" / "settle_case.py").read_text()
    r = repo({"handlers.py": source})
    both = [reg["lock-await"](), reg["match-hoist"]()]
    cs = engine.run([str(r)], both, root=str(r), jobs=1)
    assert [c.transform for c in cs.changes] == ["match-hoist", "lock-await"]
    assert not cs.skips  # the first pass's lock-await skips no longer hold once the await was hoisted
    new = cs.files[0].new_text
    assert new.endswith("            value = count\n    await listener.on_stored(key, value=value)\n")
    (r / "handlers.py").write_text(new)
    assert engine.run([str(r)], both, root=str(r), jobs=1).files == []
    single = engine.apply_to_source(both, source)
    assert single.new_text == new and len(single.changes) == 2
