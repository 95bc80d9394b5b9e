"""The bot against a real git remote and a fake GitHub held to GitHub's OpenAPI description.

Each run is a fresh clone (as CI checks out), so nothing carries over between runs but the remote and the
forge. After every test, the fake asserts that every request and response matched the description.
"""

from __future__ import annotations

import pytest

from codemods.deliver import pr
from codemods.model import Skip

from .forge.world import JOB_NAME, LOAD_CONFIG, SERVICE, TOKEN, WALLET, WALLET_MOVE, WORKER, Rule, World


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path, {"app/service.py": SERVICE, "app/wallet.py": WALLET, "jobs/worker.py": WORKER,
                         "README.md": "service\n"})
    yield w
    w.close()
    assert w.fake.invalid == [], "the client or the fake left GitHub's description"
    for line in w.printed:
        assert TOKEN not in line


def actions(outcomes):
    return [(o.branch, o.action) for o in outcomes]


def test_first_run_opens_and_a_rerun_does_nothing(world):
    out = world.run(LOAD_CONFIG)
    assert actions(out) == [("codemod/await-free", "opened")]
    [pull] = world.fake.open_pulls()
    assert pull.head == "codemod/await-free" and pull.base == "main" and pull.labels == ["codemod"]
    assert pull.title == "codemod: await-free"
    assert "<!-- codemod:pr recipe=await-free branch=codemod/await-free change=" in pull.body
    tip = world.tip("codemod/await-free")
    diff = world.fake.bare and __import__("subprocess").run(
        ["git", "diff", "main", "codemod/await-free"], cwd=world.bare, capture_output=True, text=True).stdout
    assert "-async def load_config():\n+def load_config():" in diff and "+    config = load_config()" in diff
    writes_before = world.fake.writes()
    again = world.run(LOAD_CONFIG)
    assert actions(again) == [("codemod/await-free", "unchanged")]
    assert world.fake.writes() == writes_before  # not one write to the API
    assert world.tip("codemod/await-free") == tip  # nothing pushed


def test_no_change_and_nothing_open_sends_nothing(world):
    out = world.run([])
    assert actions(out) == [("codemod/await-free", "none")]
    assert world.fake.writes() == [] and world.remote_branches() == ["main"]


def test_an_unrelated_commit_on_main_changes_nothing(world):
    world.run(LOAD_CONFIG)
    tip = world.tip("codemod/await-free")
    world.person_commits_on_main("README.md", "service", "service, documented")
    writes = world.fake.writes()
    assert actions(world.run(LOAD_CONFIG)) == [("codemod/await-free", "unchanged")]
    assert world.fake.writes() == writes and world.tip("codemod/await-free") == tip


def test_a_new_change_updates_the_same_pull_request(world):
    world.run(LOAD_CONFIG)
    first_tip = world.tip("codemod/await-free")
    out = world.run(LOAD_CONFIG + JOB_NAME)
    assert actions(out) == [("codemod/await-free", "updated")]
    [pull] = world.fake.open_pulls()
    assert pull.number == 1 and len(world.fake.pulls) == 1
    assert "jobs/worker.py" not in pull.title and "2 files" in pull.body
    new_tip = world.tip("codemod/await-free")
    assert new_tip != first_tip
    # one commit on top of main (force-pushed, not stacked)
    log = __import__("subprocess").run(["git", "rev-list", "main..codemod/await-free"], cwd=world.bare,
                                       capture_output=True, text=True).stdout.split()
    assert log == [new_tip]


def test_a_change_fixed_by_hand_closes_the_pull_request_with_a_comment(world):
    world.run(LOAD_CONFIG)
    world.person_commits_on_main("app/service.py", "async def load_config", "def load_config")
    world.person_commits_on_main("app/service.py", "await load_config()", "load_config()")
    out = world.run(LOAD_CONFIG)
    assert actions(out) == [("codemod/await-free", "closed")]
    pull = world.fake.pulls[1]
    assert pull.state == "closed" and "no longer has what this pull request changes" in pull.comments[-1]["body"]
    assert "state=closed-by-bot" in pull.body
    assert world.remote_branches() == ["main"]  # no orphan branch
    # and a later run does nothing more
    writes = world.fake.writes()
    assert actions(world.run(LOAD_CONFIG)) == [("codemod/await-free", "none")]
    assert world.fake.writes() == writes


def test_a_pull_request_a_person_closed_stays_closed_for_that_change(world):
    world.run(LOAD_CONFIG)
    world.fake.close_by_person(1)
    out = world.run(LOAD_CONFIG)
    assert actions(out) == [("codemod/await-free", "left-closed")]
    assert "closed by a person" in out[0].message
    assert [p.number for p in world.fake.open_pulls()] == []
    # a different change later opens a new one
    out = world.run(LOAD_CONFIG + JOB_NAME)
    assert actions(out) == [("codemod/await-free", "opened")]
    assert [p.number for p in world.fake.open_pulls()] == [2] and world.fake.pulls[1].state == "closed"


def test_recreate_reopens_a_closed_change(world):
    world.run(LOAD_CONFIG)
    world.fake.close_by_person(1)
    out = world.run(LOAD_CONFIG, recreate=True)
    assert actions(out) == [("codemod/await-free", "opened")]


def test_a_commit_by_a_person_stops_the_bot_until_recreate(world):
    world.run(LOAD_CONFIG)
    person_tip = world.person_pushes_to("codemod/await-free", "app/service.py", SERVICE.replace("3", "5"))
    del person_tip
    tip = world.tip("codemod/await-free")
    out = world.run(LOAD_CONFIG + JOB_NAME)
    assert actions(out) == [("codemod/await-free", "stopped")]
    assert "a person pushed to the branch" in world.printed[-1] and "by codemods tests" in world.printed[-1]  # the tests' git identity (conftest)
    assert world.tip("codemod/await-free") == tip
    comments = world.fake.pulls[1].comments
    assert len(comments) == 1 and "--recreate" in comments[0]["body"]
    # said once: the next run does not comment again
    world.run(LOAD_CONFIG + JOB_NAME)
    assert len(world.fake.pulls[1].comments) == 1 and world.tip("codemod/await-free") == tip
    # nor does the change going away make the bot close a pull request a person took over
    assert actions(world.run([])) == [("codemod/await-free", "stopped")]
    out = world.run(LOAD_CONFIG + JOB_NAME, recreate=True)
    assert actions(out) == [("codemod/await-free", "updated")]
    assert world.tip("codemod/await-free") != tip


def test_split_by_directory_opens_one_pull_request_per_folder(world):
    settings = pr.Settings(split_by="directory")
    out = world.run(LOAD_CONFIG + JOB_NAME, settings=settings)
    assert actions(out) == [("codemod/await-free-app", "opened"), ("codemod/await-free-jobs", "opened")]
    titles = sorted(p.title for p in world.fake.open_pulls())
    assert titles == ["codemod: await-free (app)", "codemod: await-free (jobs)"]
    # each is idempotent on its own; and when one folder is fixed by hand only its pull request closes
    assert actions(world.run(LOAD_CONFIG + JOB_NAME, settings=settings)) == [
        ("codemod/await-free-app", "unchanged"), ("codemod/await-free-jobs", "unchanged")]
    world.person_commits_on_main("jobs/worker.py", "async def job_name", "def job_name")
    world.person_commits_on_main("jobs/worker.py", "await job_name(job)", "job_name(job)")
    out = world.run(LOAD_CONFIG + JOB_NAME, settings=settings)
    assert actions(out) == [("codemod/await-free-jobs", "closed"), ("codemod/await-free-app", "unchanged")]


def test_split_by_transform_and_max_files(world):
    out = world.run(LOAD_CONFIG + WALLET_MOVE, recipe="all", unsafe_fixes=True,
                    settings=pr.Settings(split_by="transform"))
    assert actions(out) == [("codemod/all-await-free", "opened"), ("codemod/all-lock-await", "opened")]
    out = world.run(LOAD_CONFIG + JOB_NAME, recipe="few", settings=pr.Settings(max_files=1))
    assert actions(out) == [("codemod/few-1", "opened"), ("codemod/few-2", "opened")]


def test_files_linked_by_a_unit_stay_in_one_pull_request():
    from codemods.changeset import FileChange
    from codemods.model import Change
    from codemods.source import decode

    def fc(path, unit):
        return FileChange(path, b"x = 1\n", "x = 2\n", decode(b"x = 1\n"),
                          [Change(path, 1, 1, "await-free", "m", unit=unit)])

    files = [fc("a/defs.py", "f"), fc("b/callers.py", "f"), fc("c/other.py", "g")]
    groups = pr.plan_groups(files, "await-free", "directory", 1)
    assert [g.paths for g in groups] == [["a/defs.py", "b/callers.py"], ["c/other.py"]]


def test_the_bot_applies_safe_fixes_only_unless_unsafe_fixes(world):
    out = world.run(LOAD_CONFIG + WALLET_MOVE, recipe="all")
    assert actions(out) == [("codemod/all", "opened")]
    [pull] = world.fake.open_pulls()
    diff = __import__("subprocess").run(["git", "diff", "--name-only", "main", "codemod/all"], cwd=world.bare,
                                        capture_output=True, text=True).stdout.split()
    assert diff == ["app/service.py"]
    assert "1 unsafe fix held back" in pull.body


def test_the_body_explains_every_change_and_flags_unsafe_ones(world):
    skips = [Skip("app/service.py", 9, 5, "await-free", "used by getattr(obj, name): cannot see every use")]
    world.run(LOAD_CONFIG + WALLET_MOVE, recipe="all", unsafe_fixes=True, skips=skips,
              verify_command="true")
    [pull] = world.fake.open_pulls()
    body = pull.body
    assert "| transform | files | rewrites | safe | unsafe | skipped |" in body
    assert "| `await-free` | 1 | 2 | 2 | 0 | 1 |" in body and "| `lock-await` | 1 | 1 | 0 | 1 | 0 |" in body
    assert "**Fix safety: safe.**" in body and "**Fix safety: unsafe.**" in body
    assert ":warning: Unsafe changes" in body
    assert "- [ ] `app/wallet.py:12` lock-await: moved `await self._notify(...)` after the lock: the callback now runs after the lock is released" in body
    assert "<details><summary>1 candidate left alone, with the reason</summary>" in body
    assert "- `app/service.py:9` await-free: used by getattr(obj, name): cannot see every use" in body
    assert "**Verify:** `true` passed on this branch (exit 0)." in body


def test_verify_failure_pushes_nothing(world):
    out = world.run(LOAD_CONFIG, verify_command="echo tests failed; exit 4")
    assert actions(out) == [("codemod/await-free", "verify-failed")]
    assert out[0].error and out[0].verify.returncode == 4 and out[0].verify.tail == "tests failed"
    assert world.remote_branches() == ["main"] and world.fake.writes() == []


def test_settings_title_labels_reviewers_draft_and_cap(world):
    settings = pr.Settings(title="chore: {rewrites} async fixes ({transforms})", labels=["bot", "async"],
                           reviewers=["alice", "acme/core"], draft=True, max_open=1, split_by="directory")
    out = world.run(LOAD_CONFIG + JOB_NAME, settings=settings)
    assert actions(out) == [("codemod/await-free-app", "opened"), ("codemod/await-free-jobs", "capped")]
    [pull] = world.fake.open_pulls()
    assert pull.title == "chore: 2 async fixes (await-free) (app)" and pull.draft
    assert pull.labels == ["bot", "async"] and pull.reviewers == ["alice"] and pull.teams == ["core"]
    assert world.remote_branches() == ["codemod/await-free-app", "main"]  # no branch for the capped one


def test_body_template(world):
    settings = pr.Settings(body_template="Automated.\n\n$table\n\n$verify")
    world.run(LOAD_CONFIG, settings=settings)
    [pull] = world.fake.open_pulls()
    assert pull.body.startswith("Automated.\n\n| transform |") and "codemod:pr recipe=" in pull.body


def test_settings_are_checked():
    with pytest.raises(pr.SettingsError, match="unknown key 'colour'"):
        pr.Settings.from_table({"colour": "red"})
    with pytest.raises(pr.SettingsError, match="unknown field 'nope'"):
        pr.Settings.from_table({"title": "{nope}"})
    with pytest.raises(pr.SettingsError, match="split-by"):
        pr.Settings.from_table({"split-by": "size"})
    s = pr.Settings.from_table({"labels": ["x"], "max-open": 3, "draft": True})
    assert s.labels == ["x"] and s.max_open == 3 and s.draft


def test_fingerprint_ignores_where_the_lines_are(tmp_path):
    from .forge.world import changeset

    (tmp_path / "app").mkdir()
    (tmp_path / "app/service.py").write_text(SERVICE)
    first = pr.fingerprint(changeset(tmp_path, LOAD_CONFIG).files)
    (tmp_path / "app/service.py").write_text("# a comment added above\n" + SERVICE)
    assert pr.fingerprint(changeset(tmp_path, LOAD_CONFIG).files) == first
    (tmp_path / "app/service.py").write_text(SERVICE.replace("load_config()", "load_config(  )", 1))
    assert pr.fingerprint(changeset(tmp_path, [Rule("app/service.py", "await", "", )]).files) != first
