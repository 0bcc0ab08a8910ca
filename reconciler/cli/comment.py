"""``stagingpro comment``: post or update the plan comment of a pull request."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated

import typer

from reconciler.cli.github_options import BotOption, EnvironmentArgument, TokenEnvOption
from reconciler.delivery.github import BOT_LOGIN, GitHub, comment_body
from reconciler.errors import ConfigError


def comment(
    environment: EnvironmentArgument,
    pull_request: Annotated[int, typer.Option("--pr", help="The pull request number.", min=1)],
    body: Annotated[
        Path, typer.Option("--body", help="The plan as Markdown (plan --format markdown).")
    ],
    checksum: Annotated[
        str | None,
        typer.Option("--checksum", help="The plan's checksum, kept in the comment so the merge"
                     " applies exactly this plan."),
    ] = None,
    token_env: TokenEnvOption = "GITHUB_TOKEN",
    bot: BotOption = BOT_LOGIN,
) -> int:
    """Post ENV's plan on pull request --pr, or edit the comment posted before.

    The comment is found again by its hidden marker and its author (--bot), never by
    anyone else's comment; it is cut to GitHub's 65,536-character limit.
    """
    if checksum is not None and not re.fullmatch(r"[0-9a-f]{64}", checksum):
        raise ConfigError(f"not a plan checksum: {checksum!r}", hint="64 lowercase hex digits")
    try:
        markdown = body.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read {body}: {error}") from None
    with GitHub.from_environment(token_env) as github:
        action, comment_id = github.upsert_plan_comment(
            pull_request, environment, comment_body(environment, markdown, checksum), bot
        )
    typer.echo(f"{action} the {environment} plan comment {comment_id} on #{pull_request}")
    return 0


def register(app: typer.Typer) -> None:
    """Attach ``comment`` to the ``stagingpro`` application."""
    app.command("comment")(comment)
