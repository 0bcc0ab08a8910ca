"""``stagingpro reviewed``: the checksum of the plan reviewed on a merged pull request."""

from __future__ import annotations

from typing import Annotated

import typer

from reconciler.cli.github_options import BotOption, EnvironmentArgument, TokenEnvOption
from reconciler.delivery.github import BOT_LOGIN, GitHub, reviewed_checksum
from reconciler.errors import PolicyError


def reviewed(
    environment: EnvironmentArgument,
    commit: Annotated[
        str, typer.Option("--commit", help="The commit on the main branch (full SHA).")
    ],
    token_env: TokenEnvOption = "GITHUB_TOKEN",
    bot: BotOption = BOT_LOGIN,
) -> int:
    """Print the checksum of ENV's plan as the bot last commented it on the pull request
    merged as --commit (for `apply --checksum`). Only the bot's own plan comment counts:
    a checksum anybody else wrote is ignored. Exit 4 when there is none."""
    with GitHub.from_environment(token_env) as github:
        number = github.merged_pull_request(commit)
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
    typer.echo(checksum)
    return 0


def register(app: typer.Typer) -> None:
    """Attach ``reviewed`` to the ``stagingpro`` application."""
    app.command("reviewed")(reviewed)
