"""`codemod list` and `codemod explain NAME`: the transforms and their documentation."""

from __future__ import annotations

import json

import click

from ..transforms import registry


@click.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def list_cmd(fmt: str) -> None:
    """List the transforms."""
    reg = registry()
    if fmt == "json":
        click.echo(json.dumps([
            {"name": n, "summary": c.summary, "in_all": c.in_all, "options": dict(c.option_defaults)}
            for n, c in sorted(reg.items())
        ], indent=2))
        return
    width = max((len(n) for n in reg), default=0)
    for name, cls in sorted(reg.items()):
        opt_in = "" if cls.in_all else "  (opt-in: not in `all`)"
        click.echo(f"{name.ljust(width)}  {cls.summary}{opt_in}")


@click.command()
@click.argument("name")
def explain(name: str) -> None:
    """Print a transform's documentation: what it does, why, an example, and its fix safety."""
    reg = registry()
    if name not in reg:
        raise click.UsageError(f"no transform named {name!r}; `codemod list` shows them")
    cls = reg[name]
    click.echo(f"# {name}\n\n{cls.summary}\n\n{cls.doc()}")
    if cls.option_defaults:
        click.echo(f"\n## Options (`[tool.codemod.{name}]` in pyproject.toml, or `--option {name}.KEY=VALUE`)\n")
        for key, value in cls.option_defaults.items():
            click.echo(f"- `{key}` (default: `{json.dumps(value)}`)")


COMMANDS = [list_cmd, explain]
