"""Forges: where pull requests live. One module per forge (``github.py``), each implementing :class:`Forge`.

The bot (:mod:`codemods.deliver.pr`) sees only this interface: pull requests found by branch, opened,
updated, closed, commented on, labelled and given reviewers. Every failure is a :class:`ForgeError` with
one line a person can act on (never a token), and a ``kind`` the bot uses to say what state the remote
was left in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class PullRequest:
    number: int
    state: str  # "open" | "closed"
    merged: bool
    title: str
    body: str
    head: str  # branch name
    head_sha: str
    base: str
    url: str  # the page a person opens
    draft: bool = False
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Comment:
    id: int
    body: str
    author: str


class ForgeError(Exception):
    """An API call failed. ``kind``: auth, forbidden, rate-limit, not-found, invalid, server, timeout, network."""

    def __init__(self, message: str, kind: str = "error", status: int = 0) -> None:
        super().__init__(message)
        self.kind = kind
        self.status = status


class Forge(Protocol):
    name: str  # "GitHub"

    def pulls(self, *, head: str | None = None, state: str = "open") -> list[PullRequest]: ...

    def create_pull(self, *, head: str, base: str, title: str, body: str, draft: bool) -> PullRequest: ...

    def update_pull(self, number: int, *, title: str | None = None, body: str | None = None,
                    state: str | None = None) -> PullRequest: ...

    def comments(self, number: int) -> list[Comment]: ...

    def comment(self, number: int, body: str) -> None: ...

    def add_labels(self, number: int, labels: list[str]) -> None: ...

    def request_reviewers(self, number: int, users: list[str], teams: list[str]) -> None: ...


@dataclass
class ForgeSettings:
    """Where the forge is and how to reach it (from `[tool.codemod.pr]`, the environment and options)."""

    owner: str
    repo: str
    api_url: str = "https://api.github.com"
    token_env: str = "GITHUB_TOKEN"
    timeout: float = 30.0
    extra: dict = field(default_factory=dict)
