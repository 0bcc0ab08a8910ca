"""Options shared by the commands that talk to GitHub (``comment``, ``status``, ``reviewed``)."""

from __future__ import annotations

from typing import Annotated

import typer

TokenEnvOption = Annotated[
    str,
    typer.Option(
        "--token-env",
        help="The environment variable holding the GitHub token (the workflow's GITHUB_TOKEN"
        " by default). GITHUB_REPOSITORY and GITHUB_API_URL come from the runner.",
    ),
]
BotOption = Annotated[
    str,
    typer.Option(
        "--bot",
        help="The login the token comments as; only its comments are the plan's.",
    ),
]
EnvironmentArgument = Annotated[str, typer.Argument(help="The environment the plan is for.")]
