"""``stagingpro reviewed``: the checksum of the plan reviewed on a merged pull request."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reconciler.cli.github_options import BotOption, EnvironmentArgument, TokenEnvOption
from reconciler.delivery.github import (
    BOT_LOGIN,
    GitHub,
    plan_artifact_name,
    reviewed_checksum,
)
from reconciler.errors import PolicyError, StagingProError
from reconciler.plan.saved import read_plan_file

PLAN_MEMBER = "plan.json"
"""The file the plan workflow puts in the plan artifact."""


def reviewed(
    environment: EnvironmentArgument,
    commit: Annotated[
        str, typer.Option("--commit", help="The commit on the main branch (full SHA).")
    ],
    plan_out: Annotated[
        Path | None,
        typer.Option("--plan-out", help="Also write the reviewed plan itself (the plan"
                     " workflow's artifact, verified against the checksum) to this file."),
    ] = None,
    outputs: Annotated[
        Path | None,
        typer.Option("--outputs", help="Also append checksum=… and pull_request=… lines to"
                     " this file (a workflow step's $GITHUB_OUTPUT)."),
    ] = None,
    direct_ok: Annotated[
        bool,
        typer.Option("--direct-ok", help="A commit pushed to main without a pull request"
                     " (branch protection decides who may) prints nothing and exits 0, so"
                     " the caller applies its own plan."),
    ] = False,
    token_env: TokenEnvOption = "GITHUB_TOKEN",
    bot: BotOption = BOT_LOGIN,
) -> int:
    """Print the checksum of ENV's plan as the bot last commented it on the pull request
    merged as --commit (for `apply --checksum`). Only the bot's own plan comment counts:
    a checksum anybody else wrote is ignored. Exit 4 when there is none.

    With --plan-out, the plan is fetched from the artifact stagingpro-plan-ENV-CHECKSUM
    and kept only if its own checksum is the reviewed one. The pull request's number is
    written to standard error."""
    with GitHub.from_environment(token_env) as github:
        number = github.merged_pull_request(commit)
        if number is None and direct_ok:
            typer.echo(f"{commit[:12]} was pushed to main without a pull request: its own"
                       " plan is applied", err=True)
            return 0
        if number is None:
            raise PolicyError(
                f"{commit[:12]} was not merged from a pull request: no plan was reviewed",
                hint=f"apply it through the deploy workflow (a plan, then an approval), or "
                f"open a pull request; locally: stagingpro apply {environment}",
            )
        checksum = reviewed_checksum(github.comments(number), environment, bot)
        if checksum is None:
            raise PolicyError(
                f"pull request #{number} has no {environment} plan comment by {bot}",
                hint="re-run the plan workflow on the pull request, review, then merge",
            )
        if plan_out is not None:
            _write_reviewed_plan(github, environment, checksum, plan_out)
    typer.echo(f"the plan reviewed on pull request #{number}", err=True)
    typer.echo(checksum)
    if outputs is not None:
        with outputs.open("a", encoding="utf-8") as sink:
            sink.write(f"checksum={checksum}\npull_request={number}\n")
    return 0


def _write_reviewed_plan(github: GitHub, environment: str, checksum: str, out: Path) -> None:
    name = plan_artifact_name(environment, checksum)
    content = github.artifact_file(name, PLAN_MEMBER)
    if content is None:
        raise PolicyError(f"no artifact {name}: the reviewed plan has expired or was not kept",
                          hint="re-run the plan workflow on the pull request")
    out.write_bytes(content)
    try:
        plan = read_plan_file(out).plan
    except StagingProError as error:
        out.unlink()
        raise PolicyError(f"artifact {name} is not the reviewed plan: {error.message}") from None
    if plan.checksum != checksum or plan.environment != environment:
        out.unlink()
        raise PolicyError(
            f"artifact {name} holds a plan of {plan.environment} with checksum "
            f"{plan.checksum}, not the reviewed {environment} plan {checksum}"
        )


def register(app: typer.Typer) -> None:
    """Attach ``reviewed`` to the ``stagingpro`` application."""
    app.command("reviewed")(reviewed)
