"""`codemod pr`: the bot that opens and keeps pull requests, as Renovate does: stateless, idempotent,
and people win.

Each run starts from nothing but the repository, the remote and the forge:

- The branch is deterministic: ``codemod/<recipe>`` (``codemod/<recipe>-<part>`` when split). Its pull
  request is found by branch and by a hidden marker in the body, which names the recipe and the change's
  fingerprint (the lines removed and added, file by file: not their positions, so an unrelated edit
  elsewhere in a file does not make a new change).
- Nothing to change and nothing open: nothing is sent. The same change already on the branch: nothing is
  sent. A new change: the branch is force-pushed with a lease (it must still be where it was read) and the
  same pull request is updated. The change gone from the base (fixed by hand): the pull request is closed
  with a comment and its branch deleted.
- People win: a pull request a person closed stays closed for that change (a different change later opens
  a new one); a commit a person pushed to the branch stops the bot there, said in the output and once in a
  comment, until ``--recreate``.
- The remote stays consistent whatever fails: a branch is pushed only to be used by a pull request; when
  opening the pull request fails the branch is put back as it was; when labelling or requesting reviewers
  fails the new pull request is closed (marked abandoned, so no later run mistakes it for a person's
  decision) and its branch put back.

The body renders from the Changeset: a summary table, each transform's explanation with its fix safety,
every unsafe change flagged for the reviewer, the skipped candidates with reasons (collapsed), the fixes
held back, and the ``--verify`` result.
"""

from __future__ import annotations

import hashlib
import os
import re
import string
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Sequence

from .. import git as gitops
from ..changeset import Changeset, FileChange
from ..model import UNSAFE, Change
from .commit import BRANCH_PREFIX, counts, message as commit_message
from .forge import Forge, ForgeError, PullRequest

MARKER = re.compile(r"<!-- codemod:pr (?P<fields>[^>]*?) -->")
STOPPED = "<!-- codemod:stopped {sha} -->"
CLOSING = "<!-- codemod:closing {change} -->"
BODY_LIMIT = 65_000  # GitHub refuses bodies over 65,536 characters
TRAILER_RECIPE = "Codemod-Recipe"
TRAILER_CHANGE = "Codemod-Change"
SPLIT_CHOICES = ("directory", "transform")


class SettingsError(Exception):
    pass


# --------------------------------------------------------------------------------------------
# [tool.codemod.pr]


@dataclass
class Settings:
    """``[tool.codemod.pr]`` in pyproject.toml; command-line options win."""

    title: str = "codemod: {transforms}"
    body_template: str = ""  # string.Template; empty: the default layout
    labels: list[str] = field(default_factory=lambda: ["codemod"])
    reviewers: list[str] = field(default_factory=list)  # "login", or "org/team-slug" for a team
    draft: bool = False
    max_open: int = 0  # open pull requests of the bot at most (0: no cap)
    max_files: int = 0  # files per pull request at most (0: no cap)
    split_by: str = ""  # "", "directory" or "transform"
    api_url: str = ""  # default: $GITHUB_API_URL, else https://api.github.com
    repository: str = ""  # "owner/name"; default: $GITHUB_REPOSITORY, else from the remote URL
    token_env: str = "GITHUB_TOKEN"
    author: str = "codemod[bot] <codemod-bot@users.noreply.github.com>"
    timeout: float = 30.0

    KEYS = {
        "title": str, "body-template": str, "labels": list, "reviewers": list, "draft": bool, "max-open": int,
        "max-files": int, "split-by": str, "api-url": str, "repository": str, "token-env": str, "author": str,
        "timeout": (int, float),
    }

    @classmethod
    def from_table(cls, table: dict[str, Any], source: str = "pyproject.toml") -> "Settings":
        out = cls()
        for key, value in table.items():
            kind = cls.KEYS.get(key)
            if kind is None:
                raise SettingsError(f"{source}: [tool.codemod.pr]: unknown key {key!r} (known: {', '.join(sorted(cls.KEYS))})")
            if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
                raise SettingsError(f"{source}: [tool.codemod.pr] {key} has the wrong type ({type(value).__name__})")
            if kind is list and not all(isinstance(v, str) for v in value):
                raise SettingsError(f"{source}: [tool.codemod.pr] {key} must be a list of strings")
            setattr(out, key.replace("-", "_"), value)
        if out.split_by not in ("", *SPLIT_CHOICES):
            raise SettingsError(f"{source}: [tool.codemod.pr] split-by must be one of {', '.join(SPLIT_CHOICES)}")
        if out.max_open < 0 or out.max_files < 0:
            raise SettingsError(f"{source}: [tool.codemod.pr] max-open and max-files must be 0 or more")
        try:
            out.title.format_map(_TitleFields(transforms="x", recipe="x", files=1, rewrites=1, part=""))
        except (KeyError, ValueError, IndexError) as exc:
            raise SettingsError(f"{source}: [tool.codemod.pr] title: unknown field {exc} (known: "
                                "{transforms}, {recipe}, {files}, {rewrites}, {part})") from None
        if out.body_template:
            try:
                string.Template(out.body_template).substitute(dict.fromkeys(BODY_FIELDS, ""))
            except (KeyError, ValueError) as exc:
                raise SettingsError(f"{source}: [tool.codemod.pr] body-template: unknown field {exc} (known: "
                                    + ", ".join("$" + f for f in BODY_FIELDS) + ")") from None
        if not re.match(r"^[^<>]+ <[^<>@\s]+@[^<>\s]+>$", out.author):
            raise SettingsError(f"{source}: [tool.codemod.pr] author must look like 'Name <email>'")
        return out

    @property
    def author_name(self) -> str:
        return self.author.split(" <", 1)[0]

    @property
    def author_email(self) -> str:
        return self.author.rsplit("<", 1)[1].rstrip(">")


class _TitleFields(dict):
    def __missing__(self, key: str) -> Any:
        raise KeyError(key)


BODY_FIELDS = ("intro", "table", "transforms", "unsafe", "skips", "held", "verify", "footer")


# --------------------------------------------------------------------------------------------
# cutting the change into pull requests


@dataclass
class Group:
    """The files of one pull request."""

    branch: str
    part: str  # "" when not split; else the folder, transform or chunk it stands for
    files: list[FileChange]

    @property
    def paths(self) -> list[str]:
        return [f.path for f in self.files]


def _slug(text: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-.").lower()
    return re.sub(r"-{2,}", "-", slug) or "root"


def _linked(files: Sequence[FileChange]) -> list[list[FileChange]]:
    """Files that share a change unit (a converted definition and its call sites in other files) must land
    together: connected components over units."""
    parent = list(range(len(files)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    owner: dict[str, int] = {}
    for i, fc in enumerate(files):
        for c in fc.changes:
            if not c.unit:
                continue
            key = f"{c.transform}\0{c.unit}"
            if key in owner:
                parent[find(i)] = find(owner[key])
            else:
                owner[key] = i
    comps: dict[int, list[FileChange]] = {}
    for i, fc in enumerate(files):
        comps.setdefault(find(i), []).append(fc)
    return sorted(comps.values(), key=lambda comp: min(f.path for f in comp))


def plan_groups(files: Sequence[FileChange], recipe: str, split_by: str = "", max_files: int = 0) -> list[Group]:
    """One group, or one per folder / transform, each cut into chunks of at most ``max_files`` files; files
    linked by a change unit are never separated (a chunk may exceed the cap to keep them together)."""
    base = BRANCH_PREFIX + recipe
    files = sorted(files, key=lambda f: f.path)
    buckets: dict[str, list[list[FileChange]]] = {}
    for comp in _linked(files):
        if split_by == "directory":
            key = os.path.dirname(comp[0].path) or "."
        elif split_by == "transform":
            key = "+".join(sorted({c.transform for f in comp for c in f.changes})) or "changes"
        else:
            key = ""
        buckets.setdefault(key, []).append(comp)
    groups: list[Group] = []
    for key in sorted(buckets):
        chunks: list[list[FileChange]] = []
        for comp in buckets[key]:
            if max_files and chunks and len(chunks[-1]) + len(comp) <= max_files:
                chunks[-1].extend(comp)
            elif max_files or not chunks:
                chunks.append(list(comp))
            else:
                chunks[-1].extend(comp)
        for n, chunk in enumerate(chunks, 1):
            part = key if key not in ("", ".") else ("root" if key == "." else "")
            if len(chunks) > 1:
                part = f"{part}-{n}" if part else str(n)
            branch = f"{base}-{_slug(part)}" if part else base
            groups.append(Group(branch, part, sorted(chunk, key=lambda f: f.path)))
    return groups


def hold_back_unsafe(files: Sequence[FileChange]) -> tuple[list[FileChange], list[Change]]:
    """Without --unsafe-fixes the bot delivers safe fixes only. A file whose rewrite includes an unsafe
    change (a transform still on the deprecated ``ctx.change`` records its class-level safety) is left out
    whole, with every file linked to it by a unit."""
    kept: list[FileChange] = []
    held: list[Change] = []
    for comp in _linked(files):
        unsafe = [c for f in comp for c in f.changes if c.safety == UNSAFE]
        if unsafe:
            held.extend(c for f in comp for c in f.changes)
        else:
            kept.extend(comp)
    return sorted(kept, key=lambda f: f.path), sorted(held)


def fingerprint(files: Sequence[FileChange]) -> str:
    """What the change is, independent of where the files' other lines are: per file, the lines each hunk
    removes and adds."""
    h = hashlib.sha256()
    for fc in sorted(files, key=lambda f: f.path):
        h.update(fc.path.encode() + b"\0")
        old, new = fc._lines()
        for hunk in fc.hunks(context=0):
            for tag, i1, i2, j1, j2 in hunk.opcodes:
                if tag != "equal":
                    h.update(b"-" + "".join(old[i1:i2]).encode() + b"\0+" + "".join(new[j1:j2]).encode() + b"\0")
    return h.hexdigest()[:16]


# --------------------------------------------------------------------------------------------
# the body


def marker(recipe: str, branch: str, change: str, state: str = "") -> str:
    fields = f"recipe={recipe} branch={branch} change={change}" + (f" state={state}" if state else "")
    return f"<!-- codemod:pr {fields} -->"


def read_marker(body: str) -> dict[str, str] | None:
    found = MARKER.findall(body or "")
    if not found:
        return None
    return dict(item.split("=", 1) for item in found[-1].split() if "=" in item)


def _fix_safety_doc(cls: type) -> str:
    doc = cls.doc()
    m = re.search(r"^## Fix safety\s*\n(.*?)(?=^## |\Z)", doc, re.S | re.M)
    text = (m.group(1) if m else "").strip()
    return " ".join(text.split("\n\n")[0].split())


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


def _md(text: str) -> str:
    """Text from the code (messages, reasons) kept literal in Markdown: no stray mentions, HTML or tables."""
    return text.replace("|", "\\|").replace("<", "&lt;").replace("@", "@\u200b")


def render_body(
    group: Group, cs: Changeset, *, recipe: str, change: str, settings: Settings,
    verify: gitops.VerifyResult | None, held: Sequence[Change] = (), registry: dict[str, type] | None = None,
    limit: int = BODY_LIMIT,
) -> str:
    if registry is None:
        from ..transforms import registry as load

        registry = load()
    paths = set(group.paths)
    changes = sorted(c for f in group.files for c in f.changes)
    skips = sorted(s for s in cs.skips if (not group.part or s.path in paths
                                           or (os.path.dirname(s.path) or ".") == group.part))
    per = counts(group.files)
    names = sorted(per)
    skipped: dict[str, int] = {}
    for s in skips:
        skipped[s.transform] = skipped.get(s.transform, 0) + 1

    group_root = os.path.basename(cs.root.rstrip(os.sep)) or cs.root

    def build(max_items: int) -> str:
        fields = {name: "" for name in BODY_FIELDS}
        rewrites = sum(r["rewrites"] for r in per.values())
        unsafe_n = sum(r["unsafe"] for r in per.values())
        part = f" ({group.part})" if group.part else ""
        fields["intro"] = (
            f"`codemod pr` ran {', '.join(_code(n) for n in names)} on `{group_root}`{part}: "
            f"{rewrites} rewrite{'s' * (rewrites != 1)} in {len(group.files)} file{'s' * (len(group.files) != 1)}"
            + (f", **{unsafe_n} unsafe** (flagged below for review)" if unsafe_n else ", all safe") + "."
        )
        rows = ["| transform | files | rewrites | safe | unsafe | skipped |", "|---|---:|---:|---:|---:|---:|"]
        for n in names:
            r = per[n]
            rows.append(f"| `{n}` | {r['files']} | {r['rewrites']} | {r['rewrites'] - r['unsafe']} | "
                        f"{r['unsafe']} | {skipped.get(n, 0)} |")
        fields["table"] = "\n".join(rows)
        blocks = []
        for n in names:
            cls = registry.get(n)
            if cls is None:
                continue
            level = "unsafe" if per[n]["unsafe"] else "safe"
            blocks.append(f"#### `{n}`: {cls.summary}\n\n**Fix safety: {level}.** {_fix_safety_doc(cls)}".rstrip())
        fields["transforms"] = "\n\n".join(blocks)
        unsafe = [c for c in changes if c.safety == UNSAFE]
        if unsafe:
            lines = ["### :warning: Unsafe changes: review each one", "",
                     "These change timing or lifetime on purpose; a reviewer should read the code around each."]
            lines.append("")
            for c in unsafe[:max_items]:
                why = f": {_md(c.why)}" if c.why else ""
                lines.append(f"- [ ] `{c.path}:{c.line}` {c.transform}: {_md(c.message)}{why}")
            if len(unsafe) > max_items:
                lines.append(f"- ...and {len(unsafe) - max_items} more (`codemod apply --dry-run` lists them)")
            fields["unsafe"] = "\n".join(lines)
        if skips:
            lines = [f"<details><summary>{len(skips)} candidate{'s' * (len(skips) != 1)} left alone, with the reason"
                     "</summary>", ""]
            for s in skips[:max_items]:
                lines.append(f"- `{s.path}:{s.line}` {s.transform}: {_md(s.reason)}")
            if len(skips) > max_items:
                lines.append(f"- ...and {len(skips) - max_items} more (`codemod apply --show-skips` lists them)")
            lines += ["", "</details>"]
            fields["skips"] = "\n".join(lines)
        if held:
            fields["held"] = (f"{len(held)} unsafe fix{'es' * (len(held) != 1)} held back: the bot applies safe fixes "
                              "only unless it runs with `--unsafe-fixes`.")
        if verify is None:
            fields["verify"] = "**Verify:** not run (`codemod pr --verify CMD` runs the project's tests on this branch first)."
        else:
            fields["verify"] = f"**Verify:** {_code(verify.command)} passed on this branch (exit {verify.returncode})."
        fields["footer"] = ("<sub>Opened by `codemod pr`. Closing this pull request keeps it closed for this change; "
                            "pushing a commit to its branch stops the bot from updating it (`--recreate` starts over)."
                            "</sub>")
        if settings.body_template:
            text = string.Template(settings.body_template).substitute(fields)
        else:
            order = ["intro", "table", "transforms", "unsafe", "skips", "held", "verify", "footer"]
            text = "\n\n".join(fields[k] for k in order if fields[k])
        return text.rstrip() + "\n\n" + marker(recipe, group.branch, change) + "\n"

    text = build(500)
    for max_items in (100, 20, 5):
        if len(text) <= limit:
            break
        text = build(max_items)
    return text


def render_title(group: Group, settings: Settings, recipe: str) -> str:
    per = counts(group.files)
    title = settings.title.format_map(_TitleFields(
        transforms=", ".join(sorted(per)), recipe=recipe, files=len(group.files),
        rewrites=sum(r["rewrites"] for r in per.values()), part=group.part,
    ))
    if group.part and "{part}" not in settings.title:
        title += f" ({group.part})"
    return title


# --------------------------------------------------------------------------------------------
# the run


@dataclass
class Outcome:
    branch: str
    action: str  # opened, updated, unchanged, closed, left-closed, stopped, capped, verify-failed, failed, none
    message: str
    number: int | None = None
    url: str = ""
    error: bool = False
    verify: gitops.VerifyResult | None = None

    def format(self) -> str:
        where = f" #{self.number}" if self.number else ""
        url = f" {self.url}" if self.url else ""
        return f"{self.branch}: {self.action}{where}: {self.message}{url}"


@dataclass
class Bot:
    """One run of the bot on a checkout of the base branch."""

    cs: Changeset
    forge: Forge
    remote: gitops.Remote
    settings: Settings
    recipe: str
    base: str = "main"
    verify_command: str | None = None
    recreate: bool = False
    unsafe_fixes: bool = False
    dry_run: bool = False
    say: Callable[[str], None] = lambda line: None
    outcomes: list[Outcome] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.repo = self.remote.repo
        self.redact = self.remote.redact

    # -- entry point -----------------------------------------------------------------------------
    def run(self) -> list[Outcome]:
        head = gitops.head_or_detached(self.repo)
        prefix = BRANCH_PREFIX + self.recipe
        heads = self.remote.heads(BRANCH_PREFIX)
        base_tip = self.remote.heads(self.base).get(self.base)
        if base_tip is None:
            raise gitops.GitError(f"{self.remote.printable} has no branch {self.base!r} (--base names the branch "
                                  "pull requests go to)")
        ours = {b: sha for b, sha in heads.items() if b == prefix or b.startswith(prefix + "-")}
        self.remote.fetch([self.base, *sorted(ours)])
        if not gitops.is_ancestor(self.repo, head, base_tip):
            raise gitops.GitError(
                f"HEAD ({head[:7]}) is not on {self.base} at {self.remote.printable}: run the bot on a checkout of "
                f"{self.base} (the changes are computed from the files checked out)")
        self.head = head
        self.base_tip = base_tip

        files, held = list(self.cs.files), list(self.cs.held)
        if not self.unsafe_fixes:
            files, more = hold_back_unsafe(files)
            held += more
        self.held = held
        dirty = gitops.dirty_paths(self.cs.root) or set()
        for fc in [f for f in files if f.path in dirty]:
            files.remove(fc)
            self._outcome(Outcome(BRANCH_PREFIX + self.recipe, "failed", f"{fc.path} has uncommitted changes in this "
                                  "checkout: left out (the bot runs on a clean checkout)", error=True))
        groups = plan_groups(files, self.recipe, self.settings.split_by, self.settings.max_files)

        open_pulls = [p for p in self.forge.pulls(state="open") if read_marker(p.body) is not None]
        self.open_count = len(open_pulls)
        ours_open = {p.head: p for p in open_pulls if read_marker(p.body).get("recipe") == self.recipe}
        wanted = {g.branch for g in groups}
        # what no longer has a change first: it frees the cap and the branch names
        for branch in sorted((set(ours_open) | set(ours)) - wanted):
            self._retire(branch, ours.get(branch), ours_open.get(branch))
        for group in groups:
            try:
                self._deliver(group, ours.get(group.branch), ours_open.get(group.branch))
            except (ForgeError, gitops.GitError) as exc:
                self._outcome(Outcome(group.branch, "failed", self.redact(str(exc)), error=True))
                if isinstance(exc, ForgeError) and exc.kind in ("auth", "rate-limit", "timeout", "network"):
                    break  # the next calls would fail the same way
        if not groups and not self.outcomes:
            self._outcome(Outcome(prefix, "none", "nothing to change; no pull request open"))
        return self.outcomes

    def _outcome(self, outcome: Outcome) -> Outcome:
        outcome.message = self.redact(outcome.message)
        self.outcomes.append(outcome)
        self.say(outcome.format())
        return outcome

    # -- people --------------------------------------------------------------------------------
    def _foreign_commits(self, tip: str) -> list:
        """Commits on the branch that the bot did not make (a person's), newest first."""
        if not gitops.has_commit(self.repo, tip):
            return []
        start = gitops.merge_base(self.repo, tip, self.base_tip) or self.base_tip
        commits = gitops.commits_between(self.repo, start, tip)
        foreign = [c for c in commits if not self._is_ours(c)]
        if not foreign and len(commits) > 1:
            return commits[:-1]  # the bot always leaves exactly one commit on its branch
        return foreign

    def _is_ours(self, commit) -> bool:
        trailers = _trailers(commit.message)
        return (commit.author.email == self.settings.author_email and trailers.get(TRAILER_RECIPE) == self.recipe
                and TRAILER_CHANGE in trailers)

    def _stop(self, group_branch: str, pull: PullRequest | None, foreign: list) -> None:
        person = foreign[0]
        who = f"{person.hexsha[:7]} by {person.author.name}"
        if pull is not None and not self.dry_run:
            tag = STOPPED.format(sha=foreign[0].hexsha)
            if not any(tag in c.body for c in self.forge.comments(pull.number)):
                self.forge.comment(pull.number, (
                    f"A commit on `{group_branch}` was not made by `codemod pr` ({who}), so the bot no longer "
                    "pushes to this branch or edits this pull request. Run it with `--recreate` to start over "
                    "from a fresh change (it replaces the branch's commits).\n\n" + tag))
        self._outcome(Outcome(group_branch, "stopped", f"a person pushed to the branch ({who}): the bot leaves it "
                              "alone (--recreate replaces it)", pull.number if pull else None, pull.url if pull else ""))

    # -- a change that is gone -------------------------------------------------------------------
    def _retire(self, branch: str, tip: str | None, pull: PullRequest | None) -> None:
        if tip is not None:
            foreign = self._foreign_commits(tip)
            if foreign and not self.recreate:
                self._stop(branch, pull, foreign)
                return
            if not self._bot_branch(tip):
                return  # a branch under our prefix that is not ours: not ours to delete
        if self.dry_run:
            self._outcome(Outcome(branch, "would close", "the change is no longer needed", pull.number if pull else None))
            return
        if pull is not None:
            fields = read_marker(pull.body) or {}
            tag = CLOSING.format(change=fields.get("change", ""))
            if not any(tag in c.body for c in self.forge.comments(pull.number)):  # said once, even across retries
                self.forge.comment(pull.number, (
                    f"Closing: `{self.base}` no longer has what this pull request changes (fixed by hand, or the code "
                    "moved on), so there is nothing left for it to do. A later change opens a new pull request."
                    f"\n\n{tag}"))
            body = MARKER.sub("", pull.body).rstrip() + "\n\n" + marker(
                self.recipe, branch, fields.get("change", ""), "closed-by-bot") + "\n"
            self.forge.update_pull(pull.number, state="closed", body=body)
            self.open_count -= 1
        if tip is not None:
            self.remote.delete(branch, tip)
        self._outcome(Outcome(branch, "closed", "the change is no longer needed (fixed on "
                              f"{self.base}): closed with a comment, branch deleted" if pull else
                              "a branch left without a pull request: deleted", pull.number if pull else None,
                              pull.url if pull else ""))

    def _bot_branch(self, tip: str) -> bool:
        if not gitops.has_commit(self.repo, tip):
            return False
        return self._is_ours(self.repo.commit(tip))

    # -- a change to deliver ---------------------------------------------------------------------
    def _deliver(self, group: Group, tip: str | None, pull: PullRequest | None) -> None:
        change = fingerprint(group.files)
        if tip is not None:
            foreign = self._foreign_commits(tip)
            if foreign and not self.recreate:
                self._stop(group.branch, pull, foreign)
                return
        if pull is not None and tip is not None and self._branch_has(tip, group, change):
            if (read_marker(pull.body) or {}).get("change") == change:
                self._outcome(Outcome(group.branch, "unchanged", "the branch already has this change", pull.number,
                                      pull.url))
                return
            # the push went through but the body was not updated (an API error last run): update it only
            title = render_title(group, self.settings, self.recipe)
            body = render_body(group, self.cs, recipe=self.recipe, change=change, settings=self.settings, verify=None,
                               held=[c for c in self.held if not group.part or c.path in group.paths])
            if not self.dry_run:
                self.forge.update_pull(pull.number, title=title, body=body)
            self._outcome(Outcome(group.branch, "updated", "the description now matches the branch", pull.number,
                                  pull.url))
            return
        if pull is None and not self.recreate:
            for closed in self.forge.pulls(head=group.branch, state="closed"):
                fields = read_marker(closed.body)
                if fields and fields.get("change") == change and fields.get("state") not in ("abandoned", "closed-by-bot"):
                    how = "merged" if closed.merged else "closed by a person"
                    self._outcome(Outcome(group.branch, "left-closed", f"#{closed.number} was {how} for this very "
                                          "change: not opened again (a different change opens a new one; --recreate "
                                          "overrides)", closed.number, closed.url))
                    return
        if pull is None and self.settings.max_open and self.open_count >= self.settings.max_open:
            self._outcome(Outcome(group.branch, "capped", f"not opened: {self.open_count} pull requests of the bot are "
                                  f"open, the cap is {self.settings.max_open} (max-open)"))
            return

        sha = self._commit(group, change)
        result = None
        if self.verify_command:
            result = gitops.verify(self.repo, sha, self.verify_command, self.redact)
            if not result.ok:
                self._outcome(Outcome(group.branch, "verify-failed", f"`{result.command}` exited {result.returncode} on "
                                      "the patched tree: nothing pushed", pull.number if pull else None,
                                      error=True, verify=result))
                return
        title = render_title(group, self.settings, self.recipe)
        body = render_body(group, self.cs, recipe=self.recipe, change=change, settings=self.settings, verify=result,
                           held=[c for c in self.held if not group.part or c.path in group.paths])
        if self.dry_run:
            action = "would update" if pull else "would open"
            self._outcome(Outcome(group.branch, action, f"{title}\n\n{body}", pull.number if pull else None))
            return

        self.remote.push(sha, group.branch, tip)
        if pull is not None:
            updated = self.forge.update_pull(pull.number, title=title, body=body)
            self._outcome(Outcome(group.branch, "updated", f"new change pushed ({len(group.files)} files)",
                                  updated.number, updated.url, verify=result))
            return
        try:
            created = self.forge.create_pull(head=group.branch, base=self.base, title=title, body=body,
                                             draft=self.settings.draft)
        except ForgeError as exc:
            self._put_back(group.branch, sha, tip)
            raise ForgeError(f"{exc}; the branch was put back as it was: nothing half-made is left", exc.kind,
                             exc.status) from None
        self.open_count += 1
        try:
            self.forge.add_labels(created.number, self.settings.labels)
            users = [r for r in self.settings.reviewers if "/" not in r]
            teams = [r.split("/", 1)[1] for r in self.settings.reviewers if "/" in r]
            self.forge.request_reviewers(created.number, users, teams)
        except ForgeError as exc:
            self._abandon(created, group.branch, change, sha, tip)
            raise ForgeError(f"{exc}; pull request #{created.number} was closed again and its branch put back: "
                             "nothing half-made is left", exc.kind, exc.status) from None
        self._outcome(Outcome(group.branch, "opened", f"{len(group.files)} file{'s' * (len(group.files) != 1)}",
                              created.number, created.url, verify=result))

    def _branch_has(self, tip: str, group: Group, change: str) -> bool:
        """The branch holds exactly this change on top of the base: same fingerprint, same blobs for the
        group's files, and no other file changed."""
        if not gitops.has_commit(self.repo, tip):
            return False
        if _trailers(self.repo.commit(tip).message).get(TRAILER_CHANGE) != change:
            return False
        start = gitops.merge_base(self.repo, tip, self.base_tip) or self.base_tip
        if gitops.changed_paths(self.repo, start, tip) != set(group.paths):
            return False
        have = gitops.blob_ids(self.repo, tip, group.paths)
        return all(have[f.path] == gitops.blob_id(self.repo, f.path, f.new_bytes) for f in group.files)

    def _commit(self, group: Group, change: str) -> str:
        from ..transforms import registry

        summaries = {n: c.summary for n, c in registry().items()}
        text = commit_message(self.cs, group.files, summaries).rstrip("\n")
        text += f"\n\n{TRAILER_RECIPE}: {self.recipe}\n{TRAILER_CHANGE}: {change}\n"
        return gitops.build_commit(self.repo, self.head, {f.path: f.new_bytes for f in group.files}, text,
                                   author=gitops.Actor(self.settings.author_name, self.settings.author_email))

    def _put_back(self, branch: str, pushed: str, tip: str | None) -> None:
        try:
            if tip is None:
                self.remote.delete(branch, pushed)
            else:
                self.remote.push(tip, branch, pushed)
        except gitops.GitError as exc:
            self.say(self.redact(f"{branch}: could not put the branch back: {exc}"))

    def _abandon(self, pull: PullRequest, branch: str, change: str, pushed: str, tip: str | None) -> None:
        try:
            body = MARKER.sub("", pull.body).rstrip() + "\n\n" + marker(self.recipe, branch, change, "abandoned") + "\n"
            self.forge.update_pull(pull.number, state="closed", body=body)
            self.open_count -= 1
        except ForgeError as exc:
            self.say(self.redact(f"{branch}: could not close #{pull.number} again: {exc}"))
        self._put_back(branch, pushed, tip)


def _trailers(message: str) -> dict[str, str]:
    out = {}
    for line in message.strip().splitlines()[::-1]:
        if not line.strip():
            break
        key, sep, value = line.partition(": ")
        if sep and re.match(r"^[A-Za-z-]+$", key):
            out[key] = value.strip()
    return out


def recipe_of(names: Iterable[str]) -> str:
    """The recipe in branch names: the transforms as named on the command line (``all`` stays ``all``)."""
    from .commit import recipe

    return recipe(names)


def errors_in(outcomes: Iterable[Outcome]) -> bool:
    return any(o.error for o in outcomes)


__all__ = ["Bot", "Group", "Outcome", "Settings", "SettingsError", "errors_in", "fingerprint", "hold_back_unsafe",
           "marker", "plan_groups", "read_marker", "recipe_of", "render_body", "render_title"]
