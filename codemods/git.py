"""All git access, through GitPython: the dirty-tree guard, commits built from tree objects, temporary
worktrees, and the remote side of the bot (ls-remote, fetch, push with lease).

Nothing here touches the user's checkout: commits are built from the parent's tree in a temporary index
(never the repository's own ``.git/index``), branches move with ``update-ref`` and a compare-and-swap on
their old value, and a command that needs files on disk (``--verify``) runs in a temporary worktree that is
removed afterwards.

Every error is a :class:`GitError` with one line a person can act on. Messages never carry a token: a
remote URL is printed without its user-info, and the token given to :func:`auth_env` is redacted from
everything git says.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from typing import Iterator, Mapping
from urllib.parse import urlsplit, urlunsplit

import git

ZERO = "0" * 40
Actor = git.Actor
DEFAULT_MODE = 0o100644


class GitError(Exception):
    """A git operation that cannot go on; the message is one line, with no secret in it."""


class DirtyCheckError(GitError):
    """git cannot say which files have uncommitted changes: nothing is written."""


class LeaseError(GitError):
    """The remote branch moved since it was read (push --force-with-lease refused)."""


# --------------------------------------------------------------------------------------------
# secrets


class Redactor:
    """Removes secrets (a token, any URL's user-info) from text that may be printed."""

    def __init__(self, *secrets: str | None) -> None:
        self.secrets = [s for s in secrets if s]

    def add(self, secret: str | None) -> None:
        if secret and secret not in self.secrets:
            self.secrets.append(secret)

    def __call__(self, text: object) -> str:
        out = str(text)
        for secret in self.secrets:
            out = out.replace(secret, "***")
            encoded = base64.b64encode(f"x-access-token:{secret}".encode()).decode()
            out = out.replace(encoded, "***")
        return _USERINFO.sub(r"\1", out)


_USERINFO = re.compile(r"\b([a-zA-Z][a-zA-Z0-9+.-]*://)[^/\s@]+@")


def redact_url(url: str) -> str:
    """``url`` without user-info (``https://x:TOKEN@host/r`` → ``https://host/r``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _USERINFO.sub(r"\1", url)
    if parts.scheme and "@" in parts.netloc:
        return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))
    return url


def _one_line(exc: git.GitCommandError, redact: Redactor) -> str:
    stderr = str(exc.stderr or "").strip()
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    # git's own messages start with "fatal:", "error:", or "remote:"; keep the most telling line
    chosen = next((ln for ln in lines if ln.startswith(("fatal:", "error:"))), lines[-1] if lines else "")
    chosen = chosen.removeprefix("stderr: ").strip("'")
    return redact(chosen or f"git exited with status {exc.status}")


# --------------------------------------------------------------------------------------------
# the local repository


def open_repo(root: str) -> git.Repo:
    try:
        return git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(f"{root} is not in a git repository") from None


def dirty_paths(root: str) -> set[str] | None:
    """Repo-relative paths with uncommitted changes (staged, unstaged or untracked); None outside git."""
    try:
        repo = git.Repo(root, search_parent_directories=False)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        return None
    try:
        out = repo.git.status("--porcelain=v1", "-z", "--untracked-files=all")
    except git.GitCommandError as exc:
        raise DirtyCheckError(f"`git status` failed in {root}: {str(exc.stderr).strip() or exc}") from None
    dirty: set[str] = set()
    entries = out.split("\0")
    i = 0
    while i < len(entries):
        entry = entries[i]
        i += 1
        if len(entry) < 4:
            continue
        status, path = entry[:2], entry[3:]
        dirty.add(path)
        if "R" in status or "C" in status:  # a rename is followed by its source path
            if i < len(entries):
                dirty.add(entries[i])
            i += 1
    return dirty


@dataclass(frozen=True)
class Head:
    branch: str  # the checked-out branch (never empty: detached and unborn HEADs are refused)
    sha: str


def head(repo: git.Repo) -> Head:
    """The current branch and its commit; a detached or unborn HEAD is refused."""
    try:
        ref = repo.head.ref
    except TypeError:
        raise GitError(
            "HEAD is detached: check out a branch first (the new branch starts from the current branch's commit)"
        ) from None
    try:
        sha = repo.head.commit.hexsha
    except ValueError:
        raise GitError(f"branch {ref.name!r} has no commit yet: make a first commit before using --commit") from None
    return Head(ref.name, sha)


def head_or_detached(repo: git.Repo) -> str:
    """The commit checked out, on a branch or detached (CI checkouts often are); an unborn HEAD is refused."""
    try:
        return repo.head.commit.hexsha
    except ValueError:
        raise GitError("HEAD has no commit yet: nothing to start a branch from") from None


def branch_sha(repo: git.Repo, name: str) -> str | None:
    try:
        return repo.git.rev_parse("--verify", "--quiet", f"refs/heads/{name}^{{commit}}").strip() or None
    except git.GitCommandError:
        return None


def valid_branch_name(repo: git.Repo, name: str) -> bool:
    try:
        repo.git.check_ref_format("--branch", name)
    except git.GitCommandError:
        return False
    return True


def is_ancestor(repo: git.Repo, ancestor: str, descendant: str) -> bool:
    try:
        repo.git.merge_base("--is-ancestor", ancestor, descendant)
    except git.GitCommandError as exc:
        if exc.status == 1:
            return False
        raise GitError(_one_line(exc, Redactor())) from None
    return True


def checked_out_branches(repo: git.Repo) -> set[str]:
    """Branches checked out in any worktree of the repository (moving them would change a checkout)."""
    out = repo.git.worktree("list", "--porcelain")
    return {line.split(" ", 1)[1].removeprefix("refs/heads/") for line in out.splitlines() if line.startswith("branch ")}


def blob_at(repo: git.Repo, commit: str, path: str) -> tuple[bytes, int] | None:
    """The bytes and mode of ``path`` in ``commit``, or None when the commit has no such file."""
    try:
        item = repo.commit(commit).tree / path
    except KeyError:
        return None
    if item.type != "blob":
        return None
    return item.data_stream.read(), item.mode


def build_commit(
    repo: git.Repo, parent: str, files: Mapping[str, bytes], message: str,
    author: git.Actor | None = None,
) -> str:
    """A commit whose tree is ``parent``'s with ``files`` (repo-relative path → new bytes) replaced.

    Built with git's plumbing in a temporary index file (``GIT_INDEX_FILE``): the repository's own index,
    working tree and refs are not touched, not even for a moment, and the commit is reachable from nothing
    until a ref is moved to it. Each new blob goes through ``git hash-object --path``, so the path's clean
    filters apply as ``git add`` would (``core.autocrlf``, ``.gitattributes`` ``eol``). Modes of existing
    files are kept.
    """
    base = repo.commit(parent)
    with tempfile.TemporaryDirectory(prefix="codemod-commit-") as tmp:
        env = {**os.environ, "GIT_INDEX_FILE": os.path.join(tmp, "index")}
        if author is not None:
            env.update({"GIT_AUTHOR_NAME": author.name or "", "GIT_AUTHOR_EMAIL": author.email or "",
                        "GIT_COMMITTER_NAME": author.name or "", "GIT_COMMITTER_EMAIL": author.email or ""})
        info = []
        for n, (path, data) in enumerate(sorted(files.items())):
            try:
                mode = (base.tree / path).mode
            except KeyError:
                mode = DEFAULT_MODE
            staged = os.path.join(tmp, f"blob{n}")
            with open(staged, "wb") as fh:
                fh.write(data)
            sha = repo.git.hash_object("-w", f"--path={path}", staged).strip()
            info.append(f"{mode:o} {sha}\t{path}\0")
        listing = os.path.join(tmp, "index-info")
        with open(listing, "w", encoding="utf-8") as fh:
            fh.writelines(info)
        message_file = os.path.join(tmp, "message")
        with open(message_file, "w", encoding="utf-8") as fh:
            fh.write(message)
        try:
            repo.git.execute(["git", "read-tree", base.hexsha], env=env)
            with open(listing, "rb") as fh:
                repo.git.execute(["git", "update-index", "-z", "--index-info"], env=env, istream=fh)
            tree = repo.git.execute(["git", "write-tree"], env=env).strip()
            return repo.git.execute(["git", "commit-tree", tree, "-p", base.hexsha, "-F", message_file], env=env).strip()
        except git.GitCommandError as exc:
            raise GitError(f"cannot build the commit: {_one_line(exc, Redactor())}") from None


def blob_id(repo: git.Repo, path: str, data: bytes) -> str:
    """The blob id ``data`` gets when ``git add`` stores it at ``path`` (clean filters applied), unwritten."""
    with tempfile.TemporaryDirectory(prefix="codemod-blob-") as tmp:
        staged = os.path.join(tmp, "blob")
        with open(staged, "wb") as fh:
            fh.write(data)
        return repo.git.hash_object(f"--path={path}", staged).strip()


def blob_ids(repo: git.Repo, commit: str, paths: list[str]) -> dict[str, str | None]:
    """``path`` → blob id in ``commit`` (None when absent)."""
    tree = repo.commit(commit).tree
    out: dict[str, str | None] = {}
    for path in paths:
        try:
            out[path] = (tree / path).hexsha
        except KeyError:
            out[path] = None
    return out


def has_commit(repo: git.Repo, sha: str) -> bool:
    try:
        repo.git.cat_file("-e", f"{sha}^{{commit}}")
    except git.GitCommandError:
        return False
    return True


def commit_message(repo: git.Repo, sha: str) -> str:
    return repo.commit(sha).message


def update_branch(repo: git.Repo, name: str, new: str, old: str | None) -> None:
    """Point ``refs/heads/NAME`` at ``new`` if it still points at ``old`` (None: it must not exist)."""
    try:
        repo.git.update_ref(f"refs/heads/{name}", new, old or ZERO, "-m", "codemod: commit")
    except git.GitCommandError as exc:
        raise GitError(f"branch {name!r} changed meanwhile, nothing moved: {_one_line(exc, Redactor())}") from None


def changed_paths(repo: git.Repo, old: str, new: str) -> set[str]:
    out = repo.git.diff_tree("-r", "--name-only", "--no-renames", "-z", old, new)
    return {p for p in out.split("\0") if p}


def commits_between(repo: git.Repo, base: str, tip: str) -> list[git.Commit]:
    """Commits reachable from ``tip`` and not from ``base``, newest first."""
    return list(repo.iter_commits(f"{base}..{tip}"))


def merge_base(repo: git.Repo, a: str, b: str) -> str | None:
    try:
        return repo.git.merge_base(a, b).strip() or None
    except git.GitCommandError:
        return None


# --------------------------------------------------------------------------------------------
# temporary worktrees and --verify


@contextlib.contextmanager
def temporary_worktree(repo: git.Repo, commit: str) -> Iterator[str]:
    """A detached worktree of ``commit`` in a temporary folder, removed (and pruned) afterwards."""
    parent = tempfile.mkdtemp(prefix="codemod-verify-")
    path = os.path.join(parent, "tree")
    try:
        try:
            repo.git.worktree("add", "--detach", "--quiet", path, commit)
        except git.GitCommandError as exc:
            raise GitError(f"cannot create a temporary worktree: {_one_line(exc, Redactor())}") from None
        yield path
    finally:
        with contextlib.suppress(git.GitCommandError):
            repo.git.worktree("remove", "--force", path)
        shutil.rmtree(parent, ignore_errors=True)
        with contextlib.suppress(git.GitCommandError):
            repo.git.worktree("prune")


@dataclass(frozen=True)
class VerifyResult:
    command: str
    returncode: int
    tail: str  # the last lines of the command's output (stdout and stderr together)

    @property
    def ok(self) -> bool:
        return self.returncode == 0


VERIFY_TAIL_LINES = 20


def verify(repo: git.Repo, commit: str, command: str, redact: Redactor | None = None) -> VerifyResult:
    """Run ``command`` (a shell command: the project's tests) in a temporary worktree of ``commit``."""
    redact = redact or Redactor()
    with temporary_worktree(repo, commit) as path:
        proc = subprocess.run(
            command, shell=True, cwd=path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    text = proc.stdout.decode("utf-8", "replace")
    tail = "\n".join(text.rstrip("\n").splitlines()[-VERIFY_TAIL_LINES:])
    return VerifyResult(command, proc.returncode, redact(tail))


# --------------------------------------------------------------------------------------------
# the remote


def remote_url(repo: git.Repo, remote: str) -> str:
    """The URL of a remote name (or ``remote`` itself when it is already a URL or a path)."""
    if remote in [r.name for r in repo.remotes]:
        return repo.remote(remote).url
    if "://" in remote or os.path.isdir(remote) or remote.startswith("git@"):
        return remote
    raise GitError(f"no remote named {remote!r} (git remote -v lists them)")


def auth_env(repo: git.Repo, url: str, token: str | None) -> dict[str, str]:
    """Environment for git to reach ``url``: no prompts; and, for an http(s) remote with no credentials of
    its own, the token as an ``Authorization`` header given through the environment (never on a command
    line, never in the URL, never in a file)."""
    env = {"GIT_TERMINAL_PROMPT": "0", "GIT_ASKPASS": "", "SSH_ASKPASS": ""}
    if not token or not url.startswith(("http://", "https://")) or "@" in urlsplit(url).netloc:
        return env
    try:
        existing = repo.git.config("--get-regexp", r"^http\..*extraheader$")
    except git.GitCommandError:
        existing = ""
    if "authorization" in existing.lower():  # actions/checkout already set one: a second would clash
        return env
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    env.update({"GIT_CONFIG_COUNT": "1", "GIT_CONFIG_KEY_0": "http.extraHeader",
                "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}"})
    return env


@dataclass
class Remote:
    """A remote as the bot sees it: its URL (with a printable form) and the environment to reach it."""

    repo: git.Repo
    name: str
    url: str
    env: dict[str, str]
    redact: Redactor

    @classmethod
    def open(cls, repo: git.Repo, remote: str, token: str | None = None) -> "Remote":
        url = remote_url(repo, remote)
        redact = Redactor(token)
        return cls(repo, remote, url, auth_env(repo, url, token), redact)

    @property
    def printable(self) -> str:
        return redact_url(self.redact(self.url))

    def _git(self, *args: str) -> str:
        try:
            return self.repo.git.execute(["git", *args], env={**os.environ, **self.env}, stdout_as_string=True)
        except git.GitCommandError as exc:
            raise GitError(f"{args[0]} {self.printable}: {_one_line(exc, self.redact)}") from None

    def heads(self, prefix: str = "") -> dict[str, str]:
        """Branch name → commit on the remote, for branches starting with ``prefix``."""
        pattern = f"refs/heads/{prefix}*" if prefix else "refs/heads/*"
        out = self._git("ls-remote", "--heads", self.url, pattern)
        found = {}
        for line in out.splitlines():
            sha, _, ref = line.partition("\t")
            if ref.startswith("refs/heads/"):
                found[ref.removeprefix("refs/heads/")] = sha
        return found

    def fetch(self, branches: list[str]) -> None:
        """Bring the remote branches' commits into the object database (no ref is created or moved)."""
        if branches:
            self._git("fetch", "--quiet", "--no-tags", "--no-write-fetch-head", self.url,
                      *[f"refs/heads/{b}" for b in branches])

    def push(self, sha: str, branch: str, expect: str | None) -> None:
        """Set the remote ``branch`` to ``sha`` if it is still at ``expect`` (None: it must not exist)."""
        lease = f"--force-with-lease=refs/heads/{branch}:{expect or ''}"
        try:
            self.repo.git.execute(
                ["git", "push", "--quiet", "--porcelain", lease, self.url, f"{sha}:refs/heads/{branch}"],
                env={**os.environ, **self.env},
            )
        except git.GitCommandError as exc:
            text = f"{exc.stdout or ''}\n{exc.stderr or ''}"
            if "stale info" in text or "fetch first" in text or "[rejected]" in text:
                raise LeaseError(
                    f"push {self.printable} {branch}: the branch changed on the remote since it was read; "
                    "nothing pushed (run again)"
                ) from None
            raise GitError(f"push {self.printable} {branch}: {_one_line(exc, self.redact)}") from None

    def delete(self, branch: str, expect: str) -> None:
        """Delete the remote ``branch`` if it is still at ``expect``."""
        try:
            self.repo.git.execute(
                ["git", "push", "--quiet", "--porcelain", f"--force-with-lease=refs/heads/{branch}:{expect}",
                 self.url, f":refs/heads/{branch}"],
                env={**os.environ, **self.env},
            )
        except git.GitCommandError as exc:
            text = f"{exc.stdout or ''}\n{exc.stderr or ''}"
            if "stale info" in text or "[rejected]" in text:
                raise LeaseError(f"delete {self.printable} {branch}: the branch changed on the remote; left as it is") from None
            raise GitError(f"delete {self.printable} {branch}: {_one_line(exc, self.redact)}") from None


def owner_repo_from_url(url: str) -> tuple[str, str] | None:
    """``owner``, ``name`` from a GitHub-style remote URL (https, ssh or scp-like), else None."""
    m = re.match(r"^(?:[a-z+]+://)?(?:[^@/]+@)?[^/:]+[:/](?:.*/)?([^/]+)/([^/]+?)(?:\.git)?/?$", url)
    if not m:
        return None
    return m.group(1), m.group(2)
