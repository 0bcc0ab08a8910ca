"""The GitHub workflows stay true to the CLI: every `stagingpro` command they run exists
with every option they pass, and each workflow runs what it is for."""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import pytest
import typer.main
import yaml

from reconciler.cli.app import _register_commands, app

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"


def runs(workflow: Path) -> list[str]:
    data: Any = yaml.safe_load(workflow.read_text())
    found = []
    for job in data["jobs"].values():
        for step in job.get("steps", []):  # a job that calls a reusable workflow has none
            if "run" in step:
                found.append(" ".join(step["run"].split()))  # folded lines joined
    return found


def stagingpro_calls(workflow: Path) -> list[list[str]]:
    calls = []
    for script in runs(workflow):
        for match in re.finditer(r"stagingpro ([^|;&>]+)", script):
            text = re.sub(r"\$\{\{[^}]*\}\}", "X", match.group(1))
            text = re.sub(r"\$\([^)]*\)", "X", text)
            calls.append(shlex.split(text))
    return calls


def command_of(name: str) -> Any:
    _register_commands()
    group: Any = typer.main.get_command(app)
    command = group.commands.get(name)
    assert command is not None, f"no command stagingpro {name}"
    return command


@pytest.mark.parametrize("workflow", ["plan-comment.yml", "apply-environment.yml", "drift.yml"])
def test_every_stagingpro_call_names_real_commands_and_options(workflow: str) -> None:
    calls = stagingpro_calls(WORKFLOWS / workflow)
    assert calls
    for call in calls:
        command = command_of(call[0])
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        for word in call[1:]:
            if word.startswith("--"):
                assert word.split("=")[0] in options, f"{workflow}: {call[0]} has no {word}"


def test_each_workflow_does_its_job() -> None:
    # Pull-request code runs nothing of StagingPro's: plan.yml only packs the state.
    assert "stagingpro" not in " ".join(runs(WORKFLOWS / "plan.yml"))
    plan = " ".join(runs(WORKFLOWS / "plan-comment.yml"))
    assert "stagingpro plan" in plan and "--format markdown" in plan and "--out" in plan
    assert "stagingpro comment" in plan and "stagingpro status" in plan
    apply = " ".join(runs(WORKFLOWS / "apply-environment.yml"))
    assert "stagingpro reviewed" in apply and "stagingpro apply" in apply
    assert "--checksum" in apply and "--remote origin" in apply and "stagingpro retry" in apply
    drift = " ".join(runs(WORKFLOWS / "drift.yml"))
    assert "stagingpro plan" in drift and "--detailed-exitcode" in drift
    ci = " ".join(runs(WORKFLOWS / "ci.yml"))
    assert "make test" in ci
    config: Any = yaml.safe_load((REPO / "store-state/stagingpro.yaml").read_text())
    for name in ("plan-comment.yml", "drift.yml"):
        data: Any = yaml.safe_load((WORKFLOWS / name).read_text())
        (job,) = data["jobs"].values()
        environments = job["strategy"]["matrix"]["environment"]
        assert sorted(environments) == sorted(config["environments"]), name
    applied: Any = yaml.safe_load((WORKFLOWS / "apply.yml").read_text())
    assert sorted(applied["jobs"]) == sorted(config["environments"])
    # Each environment waits for the one before it: staging gates uat gates production.
    assert applied["jobs"]["uat"]["needs"] == "staging"
    assert applied["jobs"]["production"]["needs"] == "uat"
