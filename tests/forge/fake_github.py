"""A small stateful fake of GitHub's REST API, on 127.0.0.1, held to GitHub's published description.

It serves the operations ``codemod pr`` uses (pulls list/create/update, request reviewers, issue comments
list/create, add labels) under a GitHub Enterprise style prefix (``/api/v3``), so the client's configurable
API URL is exercised too. State is kept per repository: pull requests (numbered as issues), their labels,
requested reviewers and comments. Branches are read from a real bare git repository (the remote the bot
pushes to), so "head" and "base" mean what they mean on GitHub: creating a pull request for a branch that
is not on the remote is a 422, a pull request whose head branch was deleted is closed, ``head.sha`` is
the branch's tip.

Every request the client sends and every response the fake returns is validated with ``openapi-core``
against the vendored subset of GitHub's OpenAPI description (``openapi/github-subset.json``). A request
that does not validate is answered 400 and recorded; the tests assert that nothing was recorded. Error
statuses an operation does not document (401, rate limits, 5xx answer any operation on the real API) are
validated against GitHub's ``basic-error`` schema, through a ``default`` response added in memory only.

Failures are injected per operation (``fail("pulls/create", 422, ...)``, ``fail(..., timeout=True)``), and
``log`` lists every request, so tests can say exactly which calls a run made.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from werkzeug.routing import Map, Rule
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

SUBSET = Path(__file__).resolve().parent / "openapi" / "github-subset.json"
PREFIX = "/api/v3"

# operationId -> (method, path template in the description)
ROUTES = {
    "pulls/list": ("GET", "/repos/{owner}/{repo}/pulls"),
    "pulls/create": ("POST", "/repos/{owner}/{repo}/pulls"),
    "pulls/update": ("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}"),
    "pulls/request-reviewers": ("POST", "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers"),
    "issues/list-comments": ("GET", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    "issues/create-comment": ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    "issues/add-labels": ("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels"),
}


@functools.lru_cache(maxsize=1)
def _description_text() -> str:
    return SUBSET.read_text(encoding="utf-8")


def description(base_url: str) -> dict:
    """The vendored subset, served at ``base_url``, with ``basic-error`` as every operation's default."""
    spec = json.loads(_description_text())
    spec["servers"] = [{"url": base_url}]
    for item in spec["paths"].values():
        for method, op in item.items():
            if method in {"get", "post", "patch", "put", "delete"}:
                op["responses"].setdefault("default", {
                    "description": "any error status the operation does not document (GitHub's basic error)",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/basic-error"}}},
                })
    return spec


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Failure:
    status: int = 0
    message: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    timeout: bool = False
    times: int | None = 1  # None: every time
    after: bool = False  # apply the change, then answer with the failure (the response was lost)


@dataclass
class Pull:
    number: int
    title: str
    body: str
    head: str
    base: str
    draft: bool
    state: str = "open"
    merged: bool = False
    labels: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    teams: list[str] = field(default_factory=list)
    comments: list[dict] = field(default_factory=list)
    created_at: str = field(default_factory=_now)
    updated_at: str = field(default_factory=_now)
    closed_at: str | None = None
    user: str = "codemod-bot"


class FakeGitHub:
    """One repository ``owner/name`` whose git remote is ``bare`` (a bare repository on disk)."""

    def __init__(self, owner: str, name: str, bare: Path, token: str, *, bot_login: str = "codemod-bot") -> None:
        self.owner, self.name, self.bare, self.token = owner, name, Path(bare), token
        self.bot_login = bot_login
        self.pulls: dict[int, Pull] = {}
        self.next_number = 1
        self.next_id = 1000
        self.collaborators = {"alice", "bob", bot_login}
        self.failures: dict[str, list[Failure]] = {}
        self.log: list[tuple[str, str, str, Any, int]] = []  # (operation, method, path, body, status)
        self.invalid: list[str] = []  # contract violations, request or response
        self.lock = threading.RLock()
        self._server = None
        self._thread = None
        self.url_map = Map([
            Rule(PREFIX + "/repos/<owner>/<repo>/pulls", methods=["GET"], endpoint="pulls/list"),
            Rule(PREFIX + "/repos/<owner>/<repo>/pulls", methods=["POST"], endpoint="pulls/create"),
            Rule(PREFIX + "/repos/<owner>/<repo>/pulls/<int:number>", methods=["PATCH"], endpoint="pulls/update"),
            Rule(PREFIX + "/repos/<owner>/<repo>/pulls/<int:number>/requested_reviewers", methods=["POST"],
                 endpoint="pulls/request-reviewers"),
            Rule(PREFIX + "/repos/<owner>/<repo>/issues/<int:number>/comments", methods=["GET"],
                 endpoint="issues/list-comments"),
            Rule(PREFIX + "/repos/<owner>/<repo>/issues/<int:number>/comments", methods=["POST"],
                 endpoint="issues/create-comment"),
            Rule(PREFIX + "/repos/<owner>/<repo>/issues/<int:number>/labels", methods=["POST"],
                 endpoint="issues/add-labels"),
        ])

    # -- server ----------------------------------------------------------------------------------
    def start(self) -> "FakeGitHub":
        logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no request log on the test's stderr
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True)
        self.port = self._server.server_port
        self.base_url = f"http://127.0.0.1:{self.port}{PREFIX}"
        from openapi_core import OpenAPI

        self.openapi = OpenAPI.from_dict(description(self.base_url))
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    # -- test controls ---------------------------------------------------------------------------
    def fail(self, operation: str, status: int = 0, message: str = "", *, headers: dict[str, str] | None = None,
             timeout: bool = False, times: int | None = 1, after: bool = False) -> None:
        assert operation in ROUTES, operation
        self.failures.setdefault(operation, []).append(
            Failure(status, message, dict(headers or {}), timeout, times, after))

    def calls(self, *operations: str) -> list[str]:
        return [op for op, *_ in self.log if not operations or op in operations]

    def writes(self) -> list[str]:
        return [op for op, method, *_ in self.log if method != "GET"]

    def branch_tip(self, branch: str) -> str | None:
        out = subprocess.run(["git", "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"], cwd=self.bare,
                             capture_output=True, text=True)
        return out.stdout.strip() or None

    def close_by_person(self, number: int, login: str = "alice") -> None:
        with self.lock:
            pull = self.pulls[number]
            pull.state, pull.closed_at, pull.updated_at = "closed", _now(), _now()

    def merge_by_person(self, number: int) -> None:
        with self.lock:
            pull = self.pulls[number]
            pull.state, pull.merged, pull.closed_at = "closed", True, _now()

    def comment_by_person(self, number: int, body: str, login: str = "alice") -> None:
        with self.lock:
            self.pulls[number].comments.append(self._comment(number, body, login))

    def open_pulls(self) -> list[Pull]:
        self._sync_with_git()
        return [p for p in self.pulls.values() if p.state == "open"]

    # -- WSGI ------------------------------------------------------------------------------------
    def wsgi(self, environ, start_response):
        request = Request(environ)
        response = self._handle(request)
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse

        adapter = self.url_map.bind_to_environ(request.environ)
        try:
            operation, args = adapter.match()
        except Exception:
            self.invalid.append(f"no such operation in the fake: {request.method} {request.path}")
            return self._error(404, "Not Found")
        body = request.get_json(silent=True) if request.data else None
        openapi_request = WerkzeugOpenAPIRequest(request)
        errors = list(self.openapi.iter_request_errors(openapi_request))
        if errors:
            detail = "; ".join(_explain(e) for e in errors)
            self.invalid.append(f"request {operation}: {detail}")
            response = self._error(400, f"request does not match GitHub's description: {detail}")
        else:
            response = self._dispatch(request, operation, args, body)
        response_errors = list(self.openapi.iter_response_errors(openapi_request, WerkzeugOpenAPIResponse(response)))
        if response_errors:
            self.invalid.append(f"response {operation} {response.status_code}: "
                                + "; ".join(_explain(e) for e in response_errors))
        with self.lock:
            self.log.append((operation, request.method, request.path, body, response.status_code))
        return response

    def _dispatch(self, request: Request, operation: str, args: dict, body: Any) -> Response:
        auth = request.headers.get("Authorization", "")
        if auth not in (f"Bearer {self.token}", f"token {self.token}"):
            return self._error(401, "Bad credentials")
        if request.headers.get("X-GitHub-Api-Version") not in (None, "2022-11-28"):
            return self._error(400, f"unsupported API version {request.headers.get('X-GitHub-Api-Version')}")
        if (args["owner"], args["repo"]) != (self.owner, self.name):
            return self._error(404, "Not Found")
        failure = self._take_failure(operation)
        if failure is not None and failure.timeout:
            time.sleep(self.timeout_delay)
            return self._error(504, "too late")
        if failure is not None and not failure.after:
            return self._error(failure.status, failure.message or "injected failure", failure.headers)
        with self.lock:
            self._sync_with_git()
            response = getattr(self, "op_" + operation.replace("/", "_").replace("-", "_"))(request, args, body)
        if failure is not None and failure.after:
            return self._error(failure.status, failure.message or "injected failure", failure.headers)
        return response

    timeout_delay = 0.8  # longer than the tests' client timeout (0.3 s)

    def _take_failure(self, operation: str) -> Failure | None:
        with self.lock:
            queue = self.failures.get(operation) or []
            if not queue:
                return None
            failure = queue[0]
            if failure.times is not None:
                failure.times -= 1
                if failure.times <= 0:
                    queue.pop(0)
            return failure

    def _sync_with_git(self) -> None:
        """GitHub closes a pull request whose head branch is deleted."""
        for pull in self.pulls.values():
            if pull.state == "open" and self.branch_tip(pull.head) is None:
                pull.state, pull.closed_at = "closed", _now()

    # -- operations ------------------------------------------------------------------------------
    def op_pulls_list(self, request, args, body):
        state = request.args.get("state", "open")
        head = request.args.get("head")
        per_page = int(request.args.get("per_page", 30))
        page = int(request.args.get("page", 1))
        found = [p for p in sorted(self.pulls.values(), key=lambda p: -p.number)
                 if (state == "all" or p.state == state)
                 and (head is None or head == f"{self.owner}:{p.head}")]
        chunk = found[(page - 1) * per_page: page * per_page]
        return self._json(200, [self._pull_json(p, simple=True) for p in chunk])

    def op_pulls_create(self, request, args, body):
        head, base = body["head"], body["base"]
        head_branch = head.split(":", 1)[1] if ":" in head else head
        if self.branch_tip(head_branch) is None:
            return self._validation("Validation Failed", [{"resource": "PullRequest", "field": "head", "code": "invalid"}])
        if self.branch_tip(base) is None:
            return self._validation("Validation Failed", [{"resource": "PullRequest", "field": "base", "code": "invalid"}])
        if any(p.state == "open" and p.head == head_branch and p.base == base for p in self.pulls.values()):
            return self._validation("Validation Failed", [{"resource": "PullRequest", "code": "custom",
                                                           "message": f"A pull request already exists for {self.owner}:{head_branch}."}])
        pull = Pull(self.next_number, body.get("title", ""), body.get("body", ""), head_branch, base,
                    bool(body.get("draft", False)), user=self.bot_login)
        self.next_number += 1
        self.pulls[pull.number] = pull
        return self._json(201, self._pull_json(pull))

    def op_pulls_update(self, request, args, body):
        pull = self.pulls.get(args["number"])
        if pull is None:
            return self._error(404, "Not Found")
        if body.get("state") == "open" and pull.state == "closed":
            if pull.merged or self.branch_tip(pull.head) is None:
                return self._validation("Validation Failed", [{"resource": "PullRequest", "code": "custom",
                                                               "message": "state cannot be changed. The head branch was deleted."}])
        for key in ("title", "body", "base"):
            if key in body:
                setattr(pull, key, body[key])
        if "state" in body and body["state"] != pull.state:
            pull.state = body["state"]
            pull.closed_at = _now() if pull.state == "closed" else None
        pull.updated_at = _now()
        return self._json(200, self._pull_json(pull))

    def op_pulls_request_reviewers(self, request, args, body):
        pull = self.pulls.get(args["number"])
        if pull is None:
            return self._error(404, "Not Found")
        users = body.get("reviewers", [])
        if any(u not in self.collaborators for u in users):
            return Response(json.dumps({"message": "Reviews may only be requested from collaborators.",
                                        "documentation_url": "https://docs.github.com/rest"}),
                            status=422, content_type="application/json")
        pull.reviewers = sorted(set(pull.reviewers) | set(users))
        pull.teams = sorted(set(pull.teams) | set(body.get("team_reviewers", [])))
        return self._json(201, self._pull_json(pull, simple=True))

    def op_issues_list_comments(self, request, args, body):
        pull = self.pulls.get(args["number"])
        if pull is None:
            return self._error(404, "Not Found")
        per_page = int(request.args.get("per_page", 30))
        page = int(request.args.get("page", 1))
        return self._json(200, pull.comments[(page - 1) * per_page: page * per_page])

    def op_issues_create_comment(self, request, args, body):
        pull = self.pulls.get(args["number"])
        if pull is None:
            return self._error(404, "Not Found")
        comment = self._comment(pull.number, body["body"], self.bot_login)
        pull.comments.append(comment)
        return self._json(201, comment)

    def op_issues_add_labels(self, request, args, body):
        pull = self.pulls.get(args["number"])
        if pull is None:
            return self._error(404, "Not Found")
        names = body["labels"] if isinstance(body, dict) else body
        names = [n if isinstance(n, str) else n["name"] for n in names]
        pull.labels = list(dict.fromkeys(pull.labels + names))
        return self._json(200, [self._label(n) for n in pull.labels])

    # -- representations (every field the description requires) ----------------------------------
    @property
    def api(self) -> str:
        return self.base_url

    @property
    def web(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def _user(self, login: str) -> dict:
        api = f"{self.api}/users/{login}"
        return {
            "login": login, "id": abs(hash(login)) % 100000 + 1, "node_id": f"U_{login}",
            "avatar_url": f"{self.web}/avatars/{login}", "gravatar_id": "", "url": api,
            "html_url": f"{self.web}/{login}", "followers_url": f"{api}/followers",
            "following_url": f"{api}/following{{/other_user}}", "gists_url": f"{api}/gists{{/gist_id}}",
            "starred_url": f"{api}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{api}/subscriptions",
            "organizations_url": f"{api}/orgs", "repos_url": f"{api}/repos", "events_url": f"{api}/events{{/privacy}}",
            "received_events_url": f"{api}/received_events", "type": "Bot" if login == self.bot_login else "User",
            "site_admin": False,
        }

    def _repository(self) -> dict:
        full = f"{self.owner}/{self.name}"
        api = f"{self.api}/repos/{full}"
        urls = {f"{k}_url": f"{api}/{v}" for k, v in {
            "archive": "{archive_format}{/ref}", "assignees": "assignees{/user}", "blobs": "git/blobs{/sha}",
            "branches": "branches{/branch}", "collaborators": "collaborators{/collaborator}",
            "comments": "comments{/number}", "commits": "commits{/sha}", "compare": "compare/{base}...{head}",
            "contents": "contents/{+path}", "contributors": "contributors", "deployments": "deployments",
            "downloads": "downloads", "events": "events", "forks": "forks", "git_commits": "git/commits{/sha}",
            "git_refs": "git/refs{/sha}", "git_tags": "git/tags{/sha}", "hooks": "hooks",
            "issue_comment": "issues/comments{/number}", "issue_events": "issues/events{/number}",
            "issues": "issues{/number}", "keys": "keys{/key_id}", "labels": "labels{/name}",
            "languages": "languages", "merges": "merges", "milestones": "milestones{/number}",
            "notifications": "notifications{?since,all,participating}", "pulls": "pulls{/number}",
            "releases": "releases{/id}", "stargazers": "stargazers", "statuses": "statuses/{sha}",
            "subscribers": "subscribers", "subscription": "subscription", "tags": "tags", "teams": "teams",
            "trees": "git/trees{/sha}",
        }.items()}
        return {
            **urls, "id": 1, "node_id": "R_1", "name": self.name, "full_name": full, "owner": self._user(self.owner),
            "private": False, "html_url": f"{self.web}/{full}", "description": None, "fork": False, "url": api,
            "clone_url": f"{self.web}/{full}.git", "git_url": f"git://127.0.0.1/{full}.git",
            "ssh_url": f"git@127.0.0.1:{full}.git", "svn_url": f"{self.web}/{full}", "mirror_url": None,
            "homepage": None, "language": "Python", "forks": 0, "forks_count": 0, "stargazers_count": 0,
            "watchers": 0, "watchers_count": 0, "size": 1, "default_branch": "main", "open_issues": 0,
            "open_issues_count": 0, "has_issues": True, "has_projects": False, "has_wiki": False,
            "has_pages": False, "has_downloads": True, "archived": False, "disabled": False, "license": None,
            "pushed_at": _now(), "created_at": "2024-01-01T00:00:00Z", "updated_at": _now(),
        }

    def _label(self, name: str) -> dict:
        return {"id": abs(hash(name)) % 100000 + 1, "node_id": f"LA_{name}", "url": f"{self.api}/repos/{self.owner}/{self.name}/labels/{name}",
                "name": name, "description": "", "color": "ededed", "default": False, "archived_by": None}

    def _team(self, slug: str) -> dict:
        return {"id": abs(hash(slug)) % 100000 + 1, "node_id": f"T_{slug}", "url": f"{self.api}/teams/{slug}",
                "members_url": f"{self.api}/teams/{slug}/members{{/member}}", "name": slug, "description": "",
                "permission": "push", "html_url": f"{self.web}/orgs/{self.owner}/teams/{slug}",
                "repositories_url": f"{self.api}/teams/{slug}/repos", "slug": slug, "type": "organization", "parent": None}

    def _comment(self, number: int, body: str, login: str) -> dict:
        cid = self._id()
        full = f"{self.owner}/{self.name}"
        return {"id": cid, "node_id": f"IC_{cid}", "url": f"{self.api}/repos/{full}/issues/comments/{cid}",
                "body": body, "html_url": f"{self.web}/{full}/pull/{number}#issuecomment-{cid}",
                "user": self._user(login), "created_at": _now(), "updated_at": _now(),
                "issue_url": f"{self.api}/repos/{full}/issues/{number}", "author_association": "NONE"}

    def _pull_json(self, pull: Pull, simple: bool = False) -> dict:
        full = f"{self.owner}/{self.name}"
        api = f"{self.api}/repos/{full}"
        html = f"{self.web}/{full}/pull/{pull.number}"
        repo = self._repository()

        def side(ref: str) -> dict:
            return {"label": f"{self.owner}:{ref}", "ref": ref, "sha": self.branch_tip(ref) or "0" * 40,
                    "user": self._user(self.owner), "repo": repo}

        links = {"self": f"{api}/pulls/{pull.number}", "html": html, "issue": f"{api}/issues/{pull.number}",
                 "comments": f"{api}/issues/{pull.number}/comments",
                 "review_comments": f"{api}/pulls/{pull.number}/comments",
                 "review_comment": f"{api}/pulls/comments{{/number}}", "commits": f"{api}/pulls/{pull.number}/commits",
                 "statuses": f"{api}/statuses/{self.branch_tip(pull.head) or '0' * 40}"}
        out = {
            "url": links["self"], "id": pull.number + 5000, "node_id": f"PR_{pull.number}", "html_url": html,
            "diff_url": html + ".diff", "patch_url": html + ".patch", "issue_url": links["issue"],
            "commits_url": links["commits"], "review_comments_url": links["review_comments"],
            "review_comment_url": links["review_comment"], "comments_url": links["comments"],
            "statuses_url": links["statuses"], "number": pull.number, "state": pull.state, "locked": False,
            "title": pull.title, "user": self._user(pull.user), "body": pull.body,
            "labels": [self._label(n) for n in pull.labels], "milestone": None, "active_lock_reason": None,
            "created_at": pull.created_at, "updated_at": pull.updated_at, "closed_at": pull.closed_at,
            "merged_at": pull.closed_at if pull.merged else None, "merge_commit_sha": None, "assignee": None,
            "assignees": [], "requested_reviewers": [self._user(u) for u in pull.reviewers],
            "requested_teams": [self._team(t) for t in pull.teams], "head": side(pull.head), "base": side(pull.base),
            "_links": {k: {"href": v} for k, v in links.items()}, "author_association": "NONE",
            "auto_merge": None, "draft": pull.draft,
        }
        if not simple:
            out.update({"merged": pull.merged, "mergeable": None, "rebaseable": None, "mergeable_state": "unknown",
                        "merged_by": None, "comments": len(pull.comments), "review_comments": 0,
                        "maintainer_can_modify": False, "commits": 1, "additions": 1, "deletions": 1,
                        "changed_files": 1})
        return out

    # -- responses -------------------------------------------------------------------------------
    def _json(self, status: int, value: Any) -> Response:
        return Response(json.dumps(value), status=status, content_type="application/json; charset=utf-8")

    def _error(self, status: int, message: str, headers: dict[str, str] | None = None) -> Response:
        response = self._json(status, {"message": message, "documentation_url": "https://docs.github.com/rest",
                                       "status": str(status)})
        for key, value in (headers or {}).items():
            response.headers[key] = value
        return response

    def _validation(self, message: str, errors: list[dict]) -> Response:
        return self._json(422, {"message": message, "errors": errors,
                                "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"})


def _explain(error: Exception) -> str:
    """One short line per violation: where, and what the description says (never the whole value)."""
    found = []
    stack = [error]
    while stack:
        current = stack.pop()
        inner = list(getattr(current, "schema_errors", None) or [])
        for e in inner:
            where = "/".join(str(p) for p in getattr(e, "absolute_path", []) or [])
            found.append(f"{where or '<root>'}: {str(getattr(e, 'message', e))[:160]}")
        if current.__cause__ is not None:
            stack.append(current.__cause__)
        if not inner and current.__cause__ is None:
            found.append(f"{type(current).__name__}: {str(current)[:200]}")
    return "; ".join(dict.fromkeys(found))


def bare_copy(fake: FakeGitHub) -> dict:
    """The fake's state, for assertions that compare before and after."""
    return copy.deepcopy({n: vars(p) for n, p in fake.pulls.items()})
