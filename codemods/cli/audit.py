"""`codemod audit [PATH ...]`: async hazards ranked by severity, each linked to the transform that fixes it.

Exit codes, as ruff's: 0 no finding at or above ``--fail-on`` (default: any finding), 1 findings, 2 usage
error or files that could not be audited (each named; the rest of the run completed).
"""

from __future__ import annotations

import os
import sys

import click

from ..audit import baseline as baselines
from ..audit.formats import FORMATS, Options, renderers
from ..audit.rules import by_name, registry as rule_registry
from ..audit.run import audit, select_rules
from ..config import ConfigError, load
from ..discover import DiscoverError, find_root
from ..model import SEVERITIES
from ..transforms import registry
from .common import EXIT_ERROR, EXIT_OK, EXIT_PENDING, echo_err
from .options import cache_dir_for, progress_bar

EXIT_FINDINGS = EXIT_PENDING  # 1, as ruff exits when it reports violations


def _split(values: tuple[str, ...]) -> list[str]:
    return [v.strip() for raw in values for v in raw.split(",") if v.strip()]


@click.command("audit")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="text (grouped by severity; the default), markdown (a report like the seed audit), json, sarif, github (annotations).")
@click.option("-o", "--output", "output", type=click.Path(dir_okay=False, writable=True),
              help="Write the report to FILE instead of stdout.")
@click.option("--select", multiple=True, metavar="RULES",
              help="Rules to run: ids (CM101), id prefixes (CM2), names or severities (critical, high, medium); comma-separated or repeated.")
@click.option("--ignore", multiple=True, metavar="RULES", help="Rules not to run (same forms as --select).")
@click.option("--fail-on", type=click.Choice(SEVERITIES), default=None,
              help="Exit 1 when a finding at or above this severity is reported (default: medium, any finding).")
@click.option("--baseline", "baseline_file", type=click.Path(dir_okay=False),
              help="Report only findings not recorded in FILE; a missing FILE records today's findings.")
@click.option("--update-baseline", is_flag=True, help="With --baseline: record today's findings in FILE.")
@click.option("--show-suppressed", is_flag=True, help="List the findings a `# codemod: ignore` comment suppresses.")
@click.option("--fixes/--no-fixes", "check_fixes", default=True, show_default=True,
              help="Check each finding against its fixing transform (a dry run on the files concerned).")
@click.option("--explain", "explain_rule", metavar="RULE", help="Print a rule's documentation and exit.")
@click.option("--rules", "list_rules", is_flag=True, help="List the rules and exit.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@click.option("--progress/--no-progress", default=None, help="Progress bar on stderr (default: on a terminal).")
@click.option("--no-cache", is_flag=True, help="Do not read or write the index cache (.codemod-cache/).")
@click.option("--color/--no-color", default=None, help="Colour the text report (default: on a terminal).")
def audit_cmd(
    paths: tuple[str, ...], fmt: str, output: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
    fail_on: str, baseline_file: str | None, update_baseline: bool, show_suppressed: bool, check_fixes: bool,
    explain_rule: str | None, list_rules: bool, jobs: int | None, progress: bool | None, no_cache: bool,
    color: bool | None,
) -> None:
    """Rank the async hazards in PATHS (default: the current folder) by severity: Critical, High, Medium."""
    if list_rules:
        for r in rule_registry().values():
            fixer = f"  (fix: {r.fixed_by})" if r.fixed_by else ""
            click.echo(f"{r.id}  {r.name:<24} {r.severity:<8} {r.summary}{fixer}")
        sys.exit(EXIT_OK)
    if explain_rule:
        r = by_name(explain_rule)
        if r is None:
            raise click.UsageError(f"no audit rule {explain_rule!r}; `codemod audit --rules` lists them")
        fixer = f"\n\nFixed by: `{r.fixed_by}` ({r.fix_safety})" if r.fixed_by else "\n\nNo automatic fix."
        click.echo(f"# {r.id} {r.name} ({r.severity})\n\n{r.summary}\n\n{r.doc}{fixer}")
        sys.exit(EXIT_OK)
    paths = paths or (".",)
    root, in_git = find_root(paths[0])
    try:
        config = load(root, set(registry()))
    except ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    # [tool.codemod.audit] gives the defaults; the command line wins
    table = config.audit
    fmt = fmt or table.get("format", "text")
    if fmt not in FORMATS:
        raise click.UsageError(f"{config.source}: [tool.codemod.audit] format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    fail_on = fail_on or table.get("fail-on", "medium")
    select = select or tuple(table.get("select", ()))
    ignore = ignore or tuple(table.get("ignore", ()))
    if baseline_file is None and table.get("baseline"):
        baseline_file = os.path.join(root, table["baseline"])
    if update_baseline and not baseline_file:
        raise click.UsageError("--update-baseline needs --baseline FILE")
    try:
        rules = select_rules(_split(select), _split(ignore))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    known: set[str] | None = None
    if baseline_file and os.path.exists(baseline_file) and not update_baseline:
        try:
            known = baselines.load(baseline_file)
        except baselines.BaselineError as exc:
            raise click.UsageError(str(exc)) from None

    callback, bar = progress_bar(sys.stderr.isatty() if progress is None else progress)
    try:
        result = audit(
            list(paths), rules, config=config, jobs=jobs, root=root, check_fixes=check_fixes, progress=callback,
            cache_dir=None if no_cache else cache_dir_for(root, in_git),
        )
    except DiscoverError as exc:
        echo_err(f"error: {exc}")
        sys.exit(EXIT_ERROR)
    finally:
        if bar is not None:
            bar.stop()

    if baseline_file and known is None:
        n = baselines.save(baseline_file, result.findings)
        echo_err(f"Recorded {n} finding{'s' * (n != 1)} in the baseline {baseline_file}; later runs report only new ones.")
        result.baselined, result.findings = result.findings, []
    elif known is not None:
        result.findings, result.baselined = baselines.split(result.findings, known)

    to_file = output is not None
    use_color = (sys.stdout.isatty() and not to_file) if color is None else color
    text = renderers()[fmt](result, Options(
        color=use_color and fmt == "text", show_suppressed=show_suppressed, paths=tuple(paths),
        baseline=baseline_file or "",
    ))
    if to_file:
        with open(output, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    else:
        click.echo(text, nl=False)
    for n in result.notices:
        echo_err(f"{n.path}: note: {n.message}")
    for e in result.errors:
        echo_err(f"{e.path}: error: {e.message}")

    if result.errors:
        sys.exit(EXIT_ERROR)
    threshold = SEVERITIES.index(fail_on)
    if any(SEVERITIES.index(f.severity) <= threshold for f in result.findings):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_OK)


COMMANDS = [audit_cmd]
