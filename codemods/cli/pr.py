"""`codemod pr`: what a bot runs from CI or cron. Runs the transforms on the checkout of the base branch,
then opens, updates or closes the pull requests that deliver the result (:mod:`codemods.deliver.pr`).

The bot applies safe fixes only, whether or not the transform is named, unless --unsafe-fixes (or
`unsafe-fixes = true`): nobody reviews a cron job's choice before it reaches a pull request.
"""

from __future__ import annotations

import os
import sys

import click

from .common import EXIT_ERROR, EXIT_OK, echo_err
from .options import RunOptions, prepare, run_options, run_transforms


@click.command("pr")
@run_options
@click.option("--remote", default="origin", show_default=True, help="The git remote to push branches to (a name or URL).")
@click.option("--base", default="main", show_default=True, help="The branch pull requests go to.")
@click.option("--split-by", type=click.Choice(["directory", "transform"]), default=None,
              help="One pull request per folder, or per transform (default: [tool.codemod.pr] split-by, else one).")
@click.option("--max-files", type=click.IntRange(min=0), default=None,
              help="At most N files per pull request (0: no cap); files whose changes depend on each other stay together.")
@click.option("--verify", "verify_command", metavar="CMD",
              help="Run CMD (the project's tests) in a temporary worktree of each branch before pushing; the result "
                   "goes in the body, and a failure pushes nothing.")
@click.option("--recreate", is_flag=True,
              help="Start over where people stopped the bot: replace a branch a person pushed to, reopen a change a "
                   "person closed.")
@click.option("--draft/--no-draft", default=None, help="Open draft pull requests (default: [tool.codemod.pr] draft).")
@click.option("--api-url", metavar="URL",
              help="The REST API (GitHub Enterprise: https://HOST/api/v3). Default: [tool.codemod.pr] api-url, "
                   "$GITHUB_API_URL, https://api.github.com.")
@click.option("--repository", metavar="OWNER/NAME",
              help="Default: [tool.codemod.pr] repository, $GITHUB_REPOSITORY, or the remote's URL.")
@click.option("--dry-run", "pr_dry_run", is_flag=True,
              help="Read the remote and the forge, print what would be done (with each body), send and push nothing.")
def pr_command(remote: str, base: str, split_by: str | None, max_files: int | None, verify_command: str | None,
               recreate: bool, draft: bool | None, api_url: str | None, repository: str | None, pr_dry_run: bool,
               **run) -> None:
    """Open or update pull requests that deliver the transforms' changes (what a bot runs from CI)."""
    from .. import git as gitops
    from ..deliver import pr as bot
    from ..deliver.forge import ForgeError
    from ..deliver.forge.github import GitHub

    opts = RunOptions.take(run)
    if opts.stdin:
        raise click.UsageError("codemod pr works on the repository, not on stdin")
    setup = prepare(opts)
    try:
        settings = bot.Settings.from_table(setup.config.pr, setup.config.source or "pyproject.toml")
    except bot.SettingsError as exc:
        raise click.UsageError(str(exc)) from None
    if split_by is not None:
        settings.split_by = split_by
    if max_files is not None:
        settings.max_files = max_files
    if draft is not None:
        settings.draft = draft
    unsafe = bool(opts.unsafe_fixes if opts.unsafe_fixes is not None else setup.config.unsafe_fixes)
    for transform in setup.transforms:
        transform.allow_unsafe = unsafe

    token = os.environ.get(settings.token_env, "")
    if not token:
        echo_err(f"error: no token: set {settings.token_env} (a token with contents, pull-requests and issues: write)")
        sys.exit(EXIT_ERROR)
    redact = gitops.Redactor(token)
    try:
        repo = gitops.open_repo(setup.root)
        git_remote = gitops.Remote.open(repo, remote, token)
        owner_name = repository or settings.repository or os.environ.get("GITHUB_REPOSITORY", "")
        if not owner_name:
            found = gitops.owner_repo_from_url(git_remote.url)
            owner_name = "/".join(found) if found else ""
        if owner_name.count("/") != 1:
            raise click.UsageError(f"cannot tell the repository from {git_remote.printable}: pass --repository OWNER/NAME")
        owner, name = owner_name.split("/")
        url = api_url or settings.api_url or os.environ.get("GITHUB_API_URL") or "https://api.github.com"
        forge = GitHub(owner, name, token, api_url=url, timeout=settings.timeout, redact=git_remote.redact)
        cs = run_transforms(setup, opts, quiet_progress=opts.quiet)
        for error in cs.errors:
            echo_err(f"{error.path}: error: {error.message}")
        names = opts.transforms or tuple(setup.config.select) or tuple(cs.transforms)
        runner = bot.Bot(cs, forge, git_remote, settings, bot.recipe_of(names), base=base,
                         verify_command=verify_command, recreate=recreate, unsafe_fixes=unsafe, dry_run=pr_dry_run,
                         say=click.echo)
        outcomes = runner.run()
    except (ForgeError, gitops.GitError) as exc:
        echo_err(f"error: {redact(exc)}")
        sys.exit(EXIT_ERROR)
    for outcome in outcomes:
        if outcome.verify is not None and not outcome.verify.ok:
            for line in outcome.verify.tail.splitlines():
                echo_err(f"    {redact(line)}")
    if runner.held and not opts.quiet:
        n = len(runner.held)
        echo_err(f"{n} unsafe fix{'es' * (n != 1)} held back: the bot applies safe fixes only (--unsafe-fixes applies "
                 f"{'them' if n != 1 else 'it'}).")
    sys.exit(EXIT_ERROR if bot.errors_in(outcomes) or cs.errors else EXIT_OK)


COMMANDS = [pr_command]
