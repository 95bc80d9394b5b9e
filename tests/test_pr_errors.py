"""Every API error class, at every step of the bot: one clear line, and the remote left consistent (no
half-made pull request, no branch without a pull request); the token never shows."""

from __future__ import annotations

import subprocess

import pytest

from codemods import git as gitops
from codemods.deliver import pr
from codemods.deliver.forge import ForgeError
from codemods.deliver.forge.github import GitHub

from .forge.world import JOB_NAME, LOAD_CONFIG, SERVICE, TOKEN, WALLET, WORKER, World


@pytest.fixture
def world(tmp_path):
    w = World(tmp_path, {"app/service.py": SERVICE, "app/wallet.py": WALLET, "jobs/worker.py": WORKER})
    yield w
    w.close()
    assert w.fake.invalid == []
    for line in w.printed:
        assert TOKEN not in line


def consistent(world: World) -> None:
    """Every bot branch on the remote belongs to a pull request; every open bot pull request has its branch,
    and none is marked abandoned."""
    branches = [b for b in world.remote_branches() if b.startswith("codemod/")]
    pulls = list(world.fake.pulls.values())
    for branch in branches:
        assert any(p.head == branch for p in pulls), f"orphan branch {branch}"
    for p in world.fake.open_pulls():
        assert p.head in branches and "state=abandoned" not in p.body


ERRORS = {
    "401": dict(status=401, message="Bad credentials"),
    "403": dict(status=403, message="Resource not accessible by integration"),
    "rate-limit": dict(status=403, message="API rate limit exceeded for installation ID 1.",
                       headers={"x-ratelimit-limit": "5000", "x-ratelimit-remaining": "0",
                                "x-ratelimit-reset": "1900000000", "x-ratelimit-resource": "core"}),
    "secondary": dict(status=429, message="You have exceeded a secondary rate limit", headers={"retry-after": "60"}),
    "404": dict(status=404, message="Not Found"),
    "422": dict(status=422, message="Validation Failed"),
    "500": dict(status=500, message="Server Error"),
    "502": dict(status=502, message="Bad Gateway"),
    "timeout": dict(timeout=True),
}
EXPECTED = {
    "401": "401 Unauthorized: Bad credentials (the token is missing, expired or revoked)",
    "403": "403 Forbidden: Resource not accessible by integration (the token needs `contents: write`, `pull-requests: write` and `issues: write` on acme/service)",
    "rate-limit": "403 rate limit exceeded; it resets at 2030-03-17 17:46:40 UTC",
    "secondary": "429 secondary rate limit exceeded; it resets at",
    "404": "404 Not Found: Not Found (acme/service does not exist at http://127.0.0.1:",
    "422": "422 Unprocessable: Validation Failed",
    "500": "500 server error: Server Error (GitHub's side: run again later)",
    "502": "502 server error: Bad Gateway (GitHub's side: run again later)",
    "timeout": "no answer from http://127.0.0.1:",
}
STEPS = ["pulls/list", "pulls/create", "issues/add-labels", "pulls/request-reviewers"]


# every error class where it decides most (before anything is written, and after the branch is pushed),
# and every later step with a client error and a server error
CASES = sorted({(step, error) for step in STEPS[:2] for error in ERRORS}
               | {(step, error) for step in STEPS[2:] for error in ("403", "502", "timeout")})


@pytest.mark.parametrize("step,error", CASES)
def test_opening_fails_cleanly(world, step, error):
    settings = pr.Settings(reviewers=["alice"])
    world.fake.fail(step, **ERRORS[error], times=None)
    out = world.run(LOAD_CONFIG, settings=settings, timeout=0.3) if step != "pulls/list" else None
    if step == "pulls/list":
        with pytest.raises(ForgeError) as info:
            world.run(LOAD_CONFIG, settings=settings, timeout=0.3)
        line = str(info.value)
    else:
        [outcome] = out
        assert outcome.error and outcome.action == "failed"
        line = outcome.message
    assert "\n" not in line and EXPECTED[error] in line, line
    assert TOKEN not in line
    consistent(world)
    assert world.fake.open_pulls() == []
    assert world.remote_branches() == ["main"]
    if step in ("issues/add-labels", "pulls/request-reviewers"):
        assert "was closed again and its branch put back" in line
        [pull] = world.fake.pulls.values()
        assert pull.state == "closed" and "state=abandoned" in pull.body
    if step == "pulls/create":
        assert "the branch was put back as it was" in line
    # once the forge is healthy again, the next run opens the pull request (an abandoned one is no person's
    # decision)
    world.fake.failures.clear()
    again = world.run(LOAD_CONFIG, settings=settings)
    assert [(o.action, o.error) for o in again] == [("opened", False)]
    consistent(world)


@pytest.mark.parametrize("error", ["401", "422", "502", "timeout"])
def test_updating_fails_cleanly_and_heals(world, error):
    world.run(LOAD_CONFIG)
    world.fake.fail("pulls/update", **ERRORS[error], times=None)
    [outcome] = world.run(LOAD_CONFIG + JOB_NAME, timeout=0.3)
    assert outcome.error and EXPECTED[error] in outcome.message and "\n" not in outcome.message
    consistent(world)
    world.fake.failures.clear()
    [outcome] = world.run(LOAD_CONFIG + JOB_NAME)
    assert outcome.action == "updated" and not outcome.error
    [pull] = world.fake.open_pulls()
    assert "2 files" in pull.body
    [outcome] = world.run(LOAD_CONFIG + JOB_NAME)
    assert outcome.action == "unchanged"


@pytest.mark.parametrize("step", ["issues/list-comments", "issues/create-comment", "pulls/update"])
def test_closing_fails_cleanly_and_is_said_once(world, step):
    world.run(LOAD_CONFIG)
    world.person_commits_on_main("app/service.py", "async def load_config", "def load_config")
    world.person_commits_on_main("app/service.py", "await load_config()", "load_config()")
    world.fake.fail(step, **ERRORS["502"])
    with pytest.raises(ForgeError, match="502 server error"):
        world.run(LOAD_CONFIG)
    consistent(world)
    [outcome] = world.run(LOAD_CONFIG)
    assert outcome.action == "closed"
    closing = [c for c in world.fake.pulls[1].comments if "no longer has what" in c["body"]]
    assert len(closing) == 1
    assert world.remote_branches() == ["main"]


def test_a_push_the_remote_refuses_leaves_nothing(world, tmp_path):
    # the branch moved on the remote between reading and pushing: the lease refuses, nothing is opened
    root = world.checkout()
    from .forge.world import changeset

    cs = changeset(root, LOAD_CONFIG)
    repo = gitops.open_repo(str(root))
    remote = gitops.Remote.open(repo, "origin", TOKEN)
    real_heads = remote.heads

    def stale_heads(prefix=""):
        found = real_heads(prefix)
        if prefix == "codemod/":
            # someone pushes the branch right after the bot looked
            subprocess.run(["git", "push", "-q", str(world.bare), "main:refs/heads/codemod/await-free"], cwd=root,
                           check=True)
        return found

    remote.heads = stale_heads
    forge = GitHub(world.owner, world.name, TOKEN, api_url=world.fake.base_url, redact=remote.redact)
    [outcome] = pr.Bot(cs, forge, remote, pr.Settings(), "await-free", say=world.printed.append).run()
    assert outcome.error and "changed on the remote since it was read" in outcome.message
    assert world.fake.pulls == {}
    subprocess.run(["git", "push", "-q", str(world.bare), ":refs/heads/codemod/await-free"], cwd=root, check=True)


def test_the_token_never_shows_in_a_remote_url_or_a_git_error(world):
    root = world.checkout()
    from .forge.world import changeset

    subprocess.run(["git", "remote", "add", "leaky", f"http://x-access-token:{TOKEN}@127.0.0.1:9/acme/service.git"],
                   cwd=root, check=True)
    repo = gitops.open_repo(str(root))
    remote = gitops.Remote.open(repo, "leaky", TOKEN)
    assert TOKEN not in remote.printable and remote.printable == "http://127.0.0.1:9/acme/service.git"
    forge = GitHub(world.owner, world.name, TOKEN, api_url=world.fake.base_url, redact=remote.redact)
    with pytest.raises(gitops.GitError) as info:
        pr.Bot(changeset(root, LOAD_CONFIG), forge, remote, pr.Settings(), "await-free").run()
    assert TOKEN not in str(info.value) and "127.0.0.1:9" in str(info.value)


def test_a_bad_token_is_one_line_and_never_echoed(world):
    with pytest.raises(ForgeError) as info:
        world.run(LOAD_CONFIG, token="ghp_wrongwrongwrong")
    assert str(info.value).startswith("GitHub listing pull requests: 401 Unauthorized: Bad credentials")
    assert "ghp_wrong" not in str(info.value) and "\n" not in str(info.value)


def test_token_goes_to_git_through_the_environment_only(tmp_path):
    repo_root = tmp_path / "r"
    subprocess.run(["git", "init", "-q", str(repo_root)], check=True)
    repo = gitops.open_repo(str(repo_root))
    env = gitops.auth_env(repo, "https://github.com/acme/service.git", TOKEN)
    assert env["GIT_CONFIG_KEY_0"] == "http.extraHeader" and env["GIT_CONFIG_VALUE_0"].startswith("Authorization: Basic ")
    assert TOKEN not in env["GIT_CONFIG_VALUE_0"]  # base64, and redacted from anything git says
    assert gitops.Redactor(TOKEN)(env["GIT_CONFIG_VALUE_0"]) == "Authorization: Basic ***"
    # actions/checkout already configured a header: do not add a second one
    subprocess.run(["git", "config", "http.https://github.com/.extraheader", "AUTHORIZATION: basic abc"],
                   cwd=repo_root, check=True)
    assert "GIT_CONFIG_COUNT" not in gitops.auth_env(repo, "https://github.com/acme/service.git", TOKEN)
    # ssh and local remotes get nothing
    assert "GIT_CONFIG_COUNT" not in gitops.auth_env(repo, "git@github.com:acme/service.git", TOKEN)
