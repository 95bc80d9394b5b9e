"""GitHub's REST API (api.github.com or GitHub Enterprise Server) through githubkit, a typed client.

REST API version 2022-11-28 (what GitHub Enterprise Server also serves). No automatic retries and no HTTP
cache: a bot run from cron fails fast with one clear line and the next run starts over; it never sleeps
until a rate limit resets. The token is only ever in the ``Authorization`` header githubkit sends; every
message is passed through the redactor.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from . import Comment, ForgeError, PullRequest

API_VERSION = "2022-11-28"
PER_PAGE = 100
MAX_PAGES = 50  # 5,000 pull requests: enough for one branch or the bot's own open ones


class GitHub:
    name = "GitHub"

    def __init__(self, owner: str, repo: str, token: str, *, api_url: str = "https://api.github.com",
                 timeout: float = 30.0, redact: Callable[[object], str] = str) -> None:
        from githubkit import GitHub as Client, TokenAuthStrategy

        if not token:
            raise ForgeError("no GitHub token: set GITHUB_TOKEN (or the variable `token-env` names)", "auth")
        self.owner, self.repo, self.api_url, self.timeout = owner, repo, api_url.rstrip("/"), timeout
        self.redact = redact
        self._client = Client(TokenAuthStrategy(token), base_url=self.api_url, timeout=timeout,
                              auto_retry=False, http_cache=False, user_agent="codemods-pr-bot")
        self.rest = self._client.rest(API_VERSION)

    # -- the Forge interface ---------------------------------------------------------------------
    def pulls(self, *, head: str | None = None, state: str = "open") -> list[PullRequest]:
        what = f"listing pull requests{f' for {head}' if head else ''}"
        out: list[PullRequest] = []
        for page in range(1, MAX_PAGES + 1):
            kwargs: dict[str, Any] = {"state": state, "per_page": PER_PAGE, "page": page}
            if head:
                kwargs["head"] = f"{self.owner}:{head}"
            items = self._call(what, lambda: self.rest.pulls.list(self.owner, self.repo, **kwargs)).json()
            out.extend(_pull(p) for p in items)
            if len(items) < PER_PAGE:
                break
        return out

    def create_pull(self, *, head: str, base: str, title: str, body: str, draft: bool) -> PullRequest:
        response = self._call(
            f"opening the pull request for {head}",
            lambda: self.rest.pulls.create(self.owner, self.repo, head=head, base=base, title=title, body=body,
                                           draft=draft, maintainer_can_modify=True),
        )
        return _pull(response.json())

    def update_pull(self, number: int, *, title: str | None = None, body: str | None = None,
                    state: str | None = None) -> PullRequest:
        fields = {k: v for k, v in {"title": title, "body": body, "state": state}.items() if v is not None}
        verb = "closing" if state == "closed" else "updating"
        response = self._call(f"{verb} pull request #{number}",
                              lambda: self.rest.pulls.update(self.owner, self.repo, number, **fields))
        return _pull(response.json())

    def comments(self, number: int) -> list[Comment]:
        out: list[Comment] = []
        for page in range(1, MAX_PAGES + 1):
            items = self._call(
                f"reading the comments of #{number}",
                lambda: self.rest.issues.list_comments(self.owner, self.repo, number, per_page=PER_PAGE, page=page),
            ).json()
            out.extend(Comment(c["id"], c.get("body") or "", (c.get("user") or {}).get("login", "")) for c in items)
            if len(items) < PER_PAGE:
                break
        return out

    def comment(self, number: int, body: str) -> None:
        self._call(f"commenting on #{number}",
                   lambda: self.rest.issues.create_comment(self.owner, self.repo, number, body=body))

    def add_labels(self, number: int, labels: list[str]) -> None:
        if labels:
            self._call(f"labelling #{number}",
                       lambda: self.rest.issues.add_labels(self.owner, self.repo, number, labels=labels))

    def request_reviewers(self, number: int, users: list[str], teams: list[str]) -> None:
        if users or teams:
            kwargs: dict[str, Any] = {}
            if users:
                kwargs["reviewers"] = users
            if teams:
                kwargs["team_reviewers"] = teams
            self._call(f"requesting reviewers on #{number}",
                       lambda: self.rest.pulls.request_reviewers(self.owner, self.repo, number, **kwargs))

    # -- errors: one line each -------------------------------------------------------------------
    def _call(self, what: str, send: Callable[[], Any]) -> Any:
        from githubkit.exception import (
            PrimaryRateLimitExceeded, RequestError, RequestFailed, RequestTimeout, SecondaryRateLimitExceeded,
        )

        try:
            return send()
        except (PrimaryRateLimitExceeded, SecondaryRateLimitExceeded) as exc:
            raise ForgeError(self.redact(f"GitHub {what}: {_rate_limit(exc)}"), "rate-limit",
                             exc.response.status_code) from None
        except RequestFailed as exc:
            status = exc.response.status_code
            message = _message(exc.response)
            raise ForgeError(self.redact(f"GitHub {what}: {_status_line(status, message, self)}"),
                             _kind(status), status) from None
        except RequestTimeout:
            raise ForgeError(self.redact(f"GitHub {what}: no answer from {self.api_url} within {self.timeout:g} s "
                                         "(timed out)"), "timeout") from None
        except RequestError as exc:
            reason = type(exc.exc).__name__ if getattr(exc, "exc", None) is not None else type(exc).__name__
            raise ForgeError(self.redact(f"GitHub {what}: cannot reach {self.api_url} ({reason})"), "network") from None


def _kind(status: int) -> str:
    return {401: "auth", 403: "forbidden", 404: "not-found", 422: "invalid"}.get(
        status, "server" if status >= 500 else "error")


def _message(response: Any) -> str:
    try:
        data = response.raw_response.json()
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    message = str(data.get("message") or "")
    details = [str(e.get("message") or f"{e.get('field', '')} {e.get('code', '')}".strip())
               for e in data.get("errors") or [] if isinstance(e, dict)]
    return "; ".join(m for m in [message, *details] if m)


def _status_line(status: int, message: str, forge: GitHub) -> str:
    said = f": {message}" if message else ""
    if status == 401:
        return f"401 Unauthorized{said} (the token is missing, expired or revoked)"
    if status == 403:
        return (f"403 Forbidden{said} (the token needs `contents: write`, `pull-requests: write` and `issues: write` on "
                f"{forge.owner}/{forge.repo})")
    if status == 404:
        return (f"404 Not Found{said} ({forge.owner}/{forge.repo} does not exist at {forge.api_url}, or the token "
                "cannot see it)")
    if status == 422:
        return f"422 Unprocessable{said}"
    if status >= 500:
        return f"{status} server error{said} (GitHub's side: run again later)"
    return f"{status}{said}"


def _rate_limit(exc: Any) -> str:
    headers = exc.response.raw_response.headers
    reset = headers.get("x-ratelimit-reset")
    if reset and reset.isdigit():
        when = datetime.fromtimestamp(int(reset), timezone.utc)
    else:
        when = datetime.now(timezone.utc) + (exc.retry_after or timedelta())
    kind = "secondary rate limit" if type(exc).__name__.startswith("Secondary") else "rate limit"
    wait = max(0, int((when - datetime.now(timezone.utc)).total_seconds()))
    return (f"{exc.response.status_code} {kind} exceeded; it resets at {when.strftime('%Y-%m-%d %H:%M:%S')} UTC "
            f"(in {wait} s): nothing more was sent")


def _pull(data: dict) -> PullRequest:
    """The fields the bot reads, from the raw JSON (githubkit's models are not asked to parse the rest: a
    field GitHub adds or drops elsewhere in the object must not stop the bot)."""
    merged = data.get("merged")
    if not isinstance(merged, bool):
        merged = data.get("merged_at") is not None
    return PullRequest(
        number=data["number"], state=data["state"], merged=merged, title=data.get("title") or "",
        body=data.get("body") or "", head=data["head"]["ref"], head_sha=data["head"]["sha"],
        base=data["base"]["ref"], url=data["html_url"], draft=bool(data.get("draft", False)),
        labels=tuple(label["name"] for label in data.get("labels") or []),
    )
