"""``stagingpro validate``: check the declared state and report every problem at once."""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from reconciler.errors import EXIT_ERROR, EXIT_OK
from reconciler.kinds.registry import KINDS
from reconciler.state import validate_state


class OutputFormat(StrEnum):
    text = "text"
    json = "json"


def validate(
    state: Annotated[
        Path,
        typer.Option(
            "--state",
            help="The declared state directory (holding stagingpro.yaml).",
            metavar="DIR",
            file_okay=False,
        ),
    ] = Path("store-state"),
    env: Annotated[
        list[str] | None,
        typer.Option(
            "--env",
            help="Check only this environment (repeatable); default: every environment"
            " declared in stagingpro.yaml.",
            metavar="ENV",
        ),
    ] = None,
    output: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            help="text: one 'path:line:col: kind key: message' line per problem (their"
            " count on stderr) or, when valid, one line of item counts per environment;"
            " json: one JSON document (versioned shape) with the problems and the counts.",
        ),
    ] = OutputFormat.text,
) -> int:
    """Check every YAML file of the declared state against the kind models, the
    overlays of each environment and the references between items.

    Prints every problem (paths relative to the current directory when possible) and
    exits 1 if there is any; otherwise prints one line per environment with its item
    counts and exits 0. Changes nothing.
    """
    report = validate_state(state, env or None).relative_to(Path.cwd())
    if output is OutputFormat.json:
        typer.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False, allow_nan=False))
        return EXIT_OK if report.ok else EXIT_ERROR
    for problem in report.problems:
        typer.echo(problem.format())
    if not report.ok:
        count = len(report.problems)
        typer.echo(f"{count} problem{'s' if count != 1 else ''} found", err=True)
        return EXIT_ERROR
    plurals = {kind.name: kind.plural for kind in KINDS}
    for line in report.summary_lines(plurals):
        typer.echo(line)
    return EXIT_OK


def register(app: typer.Typer) -> None:
    """Attach ``validate`` to the ``stagingpro`` application."""
    app.command("validate")(validate)
