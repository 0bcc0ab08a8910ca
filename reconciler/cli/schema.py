"""``stagingpro schema``: write or check the JSON Schemas generated from the models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reconciler.errors import EXIT_ERROR, EXIT_OK, ConfigError
from reconciler.state.schemas import generate


def schema(
    write: Annotated[
        bool,
        typer.Option(
            "--write",
            help="Bring --dir up to date: write new and changed schema files, delete"
            " *.schema.json files no longer generated.",
        ),
    ] = False,
    check: Annotated[
        bool,
        typer.Option(
            "--check",
            help="Write nothing; exit 1 and list the files that are missing, different from"
            " a fresh generation, or no longer generated.",
        ),
    ] = False,
    directory: Annotated[
        Path,
        typer.Option("--dir", help="Where the schema files live.", metavar="DIR", file_okay=False),
    ] = Path("schemas"),
) -> int:
    """Generate JSON Schema (draft 2020-12) for every kind's YAML files, stagingpro.yaml
    and environment overlays, from the same models the loader validates with."""
    if write == check:
        raise ConfigError("give exactly one of --write or --check")
    files = generate()
    stale = stale_files(directory, files)
    if check:
        for name in stale:
            typer.echo(f"{directory / name}: out of date")
        if stale:
            typer.echo("run 'stagingpro schema --write' and commit the result", err=True)
            return EXIT_ERROR
        typer.echo(f"{len(files)} schema files in {directory} are up to date")
        return EXIT_OK
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        target = directory / name
        if name in stale:
            target.write_text(text, encoding="utf-8")
    for name in stale:
        if name not in files:
            (directory / name).unlink()
    typer.echo(f"wrote {len(files)} schema files to {directory} ({len(stale)} changed)")
    return EXIT_OK


def stale_files(directory: Path, files: dict[str, str]) -> list[str]:
    """Names of schema files that differ from ``files``, are missing, or are obsolete."""
    stale = [
        name
        for name, text in files.items()
        if not (directory / name).is_file()
        or (directory / name).read_text(encoding="utf-8") != text
    ]
    if directory.is_dir():
        stale += sorted(
            path.name for path in directory.glob("*.schema.json") if path.name not in files
        )
    return sorted(stale)


def register(app: typer.Typer) -> None:
    """Attach ``schema`` to the ``stagingpro`` application."""
    app.command("schema")(schema)
