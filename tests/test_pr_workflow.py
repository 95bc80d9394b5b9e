"""examples/github-workflow.yml: a scheduled workflow that runs the bot with the permissions it needs."""

from __future__ import annotations

from pathlib import Path

import yaml

WORKFLOW = Path(__file__).resolve().parent.parent / "examples" / "github-workflow.yml"


def test_the_workflow_is_scheduled_and_runs_the_bot_with_its_permissions():
    doc = yaml.safe_load(WORKFLOW.read_text())
    triggers = doc[True] if True in doc else doc["on"]  # YAML 1.1 reads the key `on` as true
    assert triggers["schedule"][0]["cron"] and "workflow_dispatch" in triggers
    assert doc["permissions"] == {"contents": "write", "pull-requests": "write", "issues": "write"}
    steps = doc["jobs"]["codemod"]["steps"]
    assert steps[0]["uses"].startswith("actions/checkout@") and steps[0]["with"]["fetch-depth"] == 0
    [bot] = [s for s in steps if "codemod pr" in s.get("run", "")]
    assert bot["env"]["GITHUB_TOKEN"] == "${{ secrets.GITHUB_TOKEN }}"
    assert "--transform all" in bot["run"] and "--verify" in bot["run"]


def test_the_workflow_command_line_is_one_the_cli_accepts():
    from click.testing import CliRunner

    from codemods.cli import main

    doc = yaml.safe_load(WORKFLOW.read_text())
    [bot] = [s for s in doc["jobs"]["codemod"]["steps"] if "codemod pr" in s.get("run", "")]
    for option in ("--transform", "--base", "--verify"):
        assert option in bot["run"]
    help_text = CliRunner().invoke(main, ["pr", "--help"]).output
    for option in ("--transform", "--base", "--verify", "--split-by", "--max-files", "--recreate", "--api-url"):
        assert option in help_text
