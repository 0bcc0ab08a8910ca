"""``stagingpro window``: is an environment inside a deploy window now, and until when."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reconciler.apply.schedule import window_state
from reconciler.cli.apply import StateOption
from reconciler.config import CONFIG_FILE, effective_environment, load_config
from reconciler.errors import EXIT_BLOCKED, EXIT_OK


def window(
    environment: Annotated[str, typer.Argument(help="The environment.")],
    state: StateOption = Path("store-state"),
) -> int:
    """Say whether ENV may be changed now (inside one of its deploy windows, or it has
    none) and when that changes: when the window closes, or the next one opens.
    Exit 0 inside, 4 outside."""
    settings = effective_environment(load_config(state / CONFIG_FILE), environment)
    now = window_state(settings)
    typer.echo(now.describe(environment))
    return EXIT_OK if now.inside else EXIT_BLOCKED


def register(app: typer.Typer) -> None:
    """Attach ``window`` to the ``stagingpro`` application."""
    app.command("window")(window)
