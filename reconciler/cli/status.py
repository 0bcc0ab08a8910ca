"""``stagingpro status``: set a commit's ``stagingpro/plan: ENV`` status."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

from reconciler.cli.github_options import EnvironmentArgument, TokenEnvOption
from reconciler.delivery.github import GitHub


def status(
    environment: EnvironmentArgument,
    sha: Annotated[str, typer.Option("--sha", help="The commit (full SHA) the plan is of.")],
    state: Annotated[
        Literal["pending", "success", "failure", "error"],
        typer.Option("--state", help="pending, success, failure or error."),
    ],
    description: Annotated[
        str, typer.Option("--description", help="One line (GitHub keeps 140 characters).")
    ] = "",
    target_url: Annotated[
        str | None, typer.Option("--target-url", help="A link: the run, or the comment.")
    ] = None,
    token_env: TokenEnvOption = "GITHUB_TOKEN",
) -> int:
    """Set the commit status `stagingpro/plan: ENV` of --sha, so branch protection can
    require a successful plan before merging."""
    with GitHub.from_environment(token_env) as github:
        github.set_status(sha, environment, state, description, target_url)
    typer.echo(f"stagingpro/plan: {environment} of {sha[:12]} is {state}")
    return 0


def register(app: typer.Typer) -> None:
    """Attach ``status`` to the ``stagingpro`` application."""
    app.command("status")(status)
