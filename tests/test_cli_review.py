"""`codemod apply --interactive`: changes of one unit are decided together, a hunk holding no change
follows its file's accepted changes, and the partially accepted result is verified before anything is
written (the real command, a real temporary git repository, answers on stdin)."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys

from .test_cli import SERVICE, SERVICE_AFTER, codemod

# two heartbeats that loop forever: task-guard cancels each when its function exits, and both guards
# need the `import contextlib` it adds, so the import and the two guards are one unit
GUARDED = '''import asyncio


async def beat(q):
    while True:
        await q.put("beat")


async def first(q):
    asyncio.create_task(beat(q))
    await asyncio.sleep(0)


async def pad1():
    return 1


async def second(q):
    asyncio.create_task(beat(q))
    await asyncio.sleep(0)
'''


LIB = "async def fetch():\n    return 1\n"
USE = "from lib import fetch\n\n\nasync def use():\n    return await fetch()\n"


def test_a_cross_file_change_is_one_question_for_every_file_it_touches(repo):
    r = repo({"lib.py": LIB, "app.py": USE})
    out = codemod(r, "apply", "-t", "await-free", "--interactive", input="y\n")
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("Apply ") == 1, out.stderr  # one question for the definition and its call site
    assert "2 hunks, also in lib.py" in out.stderr
    assert (r / "lib.py").read_text() == "def fetch():\n    return 1\n"
    assert "    return fetch()\n" in (r / "app.py").read_text()


def test_declining_a_unit_declines_all_its_hunks(repo):
    r = repo({"lib.py": LIB, "app.py": USE})
    out = codemod(r, "apply", "-t", "await-free", "--interactive", input="n\n")
    assert out.returncode == 0, out.stderr
    assert (r / "lib.py").read_text() == LIB and (r / "app.py").read_text() == USE
    assert "Nothing changed" in out.stderr


def test_an_added_import_is_one_question_with_the_changes_that_need_it(repo):
    # the import and both guards that need it are one unit: one question, all or nothing
    r = repo({"svc.py": GUARDED})
    out = codemod(r, "apply", "-t", "task-guard", "--interactive", input="y\n")
    assert out.returncode == 0, out.stderr
    assert out.stderr.count("Apply ") == 1, out.stderr
    text = (r / "svc.py").read_text()
    assert text.count("contextlib.ExitStack()") == 2 and "import contextlib\n" in text
    compile(text, "svc.py", "exec")
    assert "task-guard [unsafe]: task `beat_task` is now cancelled when first() exits" in out.stdout
    r2 = repo({"svc.py": GUARDED}, name="declined")
    out = codemod(r2, "apply", "-t", "task-guard", "--interactive", input="n\n")
    assert out.returncode == 0 and (r2 / "svc.py").read_text() == GUARDED


def test_a_partial_result_with_an_undefined_name_is_not_written(repo):
    # a transform that does not declare its units (here: task-guard's changes with the units taken away):
    # declining the hunk that adds `import contextlib` while accepting a use of it is caught
    from codemods import engine
    from codemods.deliver.review import review
    from codemods.transforms import get

    r = repo({"svc.py": GUARDED})
    cs = engine.run([str(r)], [get("task-guard")()], jobs=1, root=str(r))
    for fc in cs.files:
        fc.changes = [dataclasses.replace(c, unit="") for c in fc.changes]
    answers = iter(["n", "y", "y"])
    assert review(cs, cs.files, ask=lambda _: next(answers)) == []
    assert [e.message for e in cs.errors] == [
        "the changes accepted do not make a sound program (undefined name `contextlib`); "
        "nothing written: accept or decline the whole of what they depend on"
    ]
    assert (r / "svc.py").read_text() == GUARDED


def test_answers_a_and_q(repo):
    two = SERVICE + "\n\nasync def ping():\n    return 'pong'\n\n\nasync def check():\n    print(await ping())\n"
    r = repo({"app.py": two})
    out = codemod(r, "apply", "-t", "await-free", "--interactive", input="a\n")
    assert out.returncode == 0, out.stderr
    assert (r / "app.py").read_text().startswith(SERVICE_AFTER)
    r2 = repo({"app.py": two}, name="quit")
    out = codemod(r2, "apply", "-t", "await-free", "--interactive", input="q\n")
    assert out.returncode == 0 and (r2 / "app.py").read_text() == two


def test_ctrl_c_at_a_prompt_exits_130_and_writes_nothing(repo):
    r = repo({"lib.py": LIB, "app.py": USE})
    proc = subprocess.Popen(
        [sys.executable, "-m", "codemods", "apply", "-t", "await-free", "--interactive"], cwd=r,
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    seen = b""
    while b"Apply " not in seen:  # wait for the question: the run is done, the review is waiting
        chunk = os.read(proc.stderr.fileno(), 4096)
        assert chunk, seen
        seen += chunk
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (seen + err).decode()
    assert b"Traceback" not in err and b"interrupted" in err
    assert (r / "lib.py").read_text() == LIB and (r / "app.py").read_text() == USE


def test_a_second_run_that_proposes_something_new_fails_verification():
    from codemods.changeset import Changeset, FileChange
    from codemods.deliver.review import verify_partial
    from codemods.model import Change
    from codemods.source import decode

    old = "import asyncio\n\n\nasync def a():\n    return 1\n\n\nasync def b():\n    return 2\n"
    new = old.replace("async def a", "def a").replace("async def b", "def b")
    partial = old.replace("async def a", "def a")
    ca = Change("m.py", 4, 1, "await-free", "a() never awaits")
    cb = Change("m.py", 8, 1, "await-free", "b() never awaits")
    full = FileChange("m.py", old.encode(), new, decode(old.encode()), [ca, cb])
    accepted = FileChange("m.py", old.encode(), partial, decode(old.encode()), [ca])
    cs = Changeset(root=".", transforms=["await-free"], files=[full])

    def rerun_with(changes):
        return lambda overlay: Changeset(root=".", transforms=["await-free"], files=[
            FileChange("m.py", overlay["m.py"], new, decode(overlay["m.py"]), changes)])

    assert verify_partial([accepted], [full], cs, rerun_with([cb])) == []  # only what was declined comes back
    surprise = Change("m.py", 8, 1, "await-free", "b() and a() merged")
    problems = verify_partial([accepted], [full], cs, rerun_with([cb, surprise]))
    assert problems == [("m.py", "a second run of await-free would change line 8 again: b() and a() merged")]
