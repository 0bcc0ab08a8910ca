"""``stagingpro plan``: what applying the declared state would change, per environment.

Thin: the work is :func:`reconciler.plan.plan_environment`; this module picks the
environments, shows progress, writes the files and chooses the exit code.
"""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from reconciler.config import CONFIG_FILE, load_config
from reconciler.errors import EXIT_BLOCKED, EXIT_CHANGES, EXIT_OK, ConfigError
from reconciler.kinds.base import Kind
from reconciler.live.stats import RequestEvent
from reconciler.plan import Plan, Selection, plan_environment
from reconciler.plan.saved import signed_json
from reconciler.render import render_json, render_markdown, render_text


class OutputFormat(StrEnum):
    text = "text"
    markdown = "markdown"
    json = "json"


class _ReadDisplay:
    """A Rich progress display on stderr: one line per kind being read, with requests."""

    def __init__(self, console: Console, environment: str) -> None:
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TextColumn("[dim]{task.fields[detail]}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        )
        self.environment = environment
        self.requests = 0
        self.overall = self.progress.add_task(f"reading {environment}", detail="", total=None)
        self.tasks: dict[str, Any] = {}

    def kind_started(self, kind: Kind[Any]) -> None:
        self.tasks[kind.name] = self.progress.add_task(
            f"  {kind.plural.replace('_', ' ')}", detail="", total=None
        )

    def kind_finished(self, kind: Kind[Any], items: int) -> None:
        task = self.tasks.get(kind.name)
        if task is not None:
            self.progress.update(task, detail=f"{items} read", total=1, completed=1)

    def request(self, event: RequestEvent) -> None:
        self.requests += 1
        self.progress.update(self.overall, detail=f"{self.requests} requests")


def out_path(out: Path, environment: str, several: bool) -> Path:
    """Where the plan of ``environment`` is written: ``out`` itself for one environment,
    ``<stem>.<environment><suffix>`` beside it for several (``plan.staging.json``)."""
    if not several:
        return out
    return out.with_name(f"{out.stem}.{environment}{out.suffix or '.json'}")


def plan(
    environments: Annotated[
        list[str] | None,
        typer.Argument(
            help="Environments to plan (names in stagingpro.yaml); default: every one.",
            show_default=False,
        ),
    ] = None,
    state: Annotated[
        Path,
        typer.Option("--state", help="The declared state directory (holding stagingpro.yaml).",
                     file_okay=False),
    ] = Path("store-state"),
    only: Annotated[
        list[str] | None,
        typer.Option(
            "--only",
            help="Plan only KIND or KIND:KEY-GLOB (repeatable), e.g. product:TRAIL-* or"
            " categories. Applied to the YAML and the store alike: nothing outside it is"
            " created, updated or deleted.",
        ),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Leave out KIND or KIND:KEY-GLOB (repeatable)."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Also write the plan as JSON to this file (what apply takes; signed when"
            " $STAGINGPRO_PLAN_KEY is set). With several environments, one file each:"
            " plan.json becomes plan.ENV.json.",
            dir_okay=False,
        ),
    ] = None,
    output: Annotated[
        OutputFormat,
        typer.Option(
            "--format",
            help="stdout: text (terminal), markdown (the PR comment) or json (the plan"
            " document; a JSON array of them for several environments).",
        ),
    ] = OutputFormat.text,
    detailed_exitcode: Annotated[
        bool,
        typer.Option(
            "--detailed-exitcode",
            help="Exit 2 when any environment has changes pending (0 when none).",
        ),
    ] = False,
    force: Annotated[
        str | None,
        typer.Option(
            "--force",
            metavar="REASON",
            help="Plan past the safety thresholds; the reason is recorded in the plan.",
        ),
    ] = None,
    sandbox_db: Annotated[
        Path | None,
        typer.Option("--sandbox-db", help="The embedded sandbox's SQLite file (sandbox"
                     " environments; default .stagingpro/sandbox.db or $STAGINGPRO_SANDBOX_DB).",
                     dir_okay=False),
    ] = None,
) -> int:
    """Read each environment's store and show what applying the declared state would
    change: creates, updates (field by field, before → after) and deletes (only where
    the environment's prune settings allow). Never writes to a store.

    Exit codes: 0 no changes (or changes without --detailed-exitcode), 2 changes pending
    with --detailed-exitcode, 4 blocked by the safety thresholds (see --force), 1 error.
    """
    if force is not None and not force.strip():
        raise ConfigError("--force needs a reason", hint='e.g. --force "yearly repricing"')
    selection = Selection.parse(only or (), exclude or ())
    names = environments or list(load_config(state / CONFIG_FILE).environments)
    if not names:
        raise ConfigError(f"{state / CONFIG_FILE} declares no environment")
    err = Console(stderr=True, highlight=False, markup=False)
    plans: list[Plan] = []
    for name in names:
        display = _ReadDisplay(err, name) if err.is_terminal else None
        if display is not None:
            display.progress.start()
        try:
            planned = plan_environment(
                state,
                name,
                selection=selection,
                force_reason=force,
                sandbox_db=sandbox_db,
                on_request=display.request if display else None,
                progress=display,
            )
        finally:
            if display is not None:
                display.progress.stop()
        plans.append(planned.plan)
        if out is not None:
            target = out_path(out, name, len(names) > 1)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(render_json(planned.plan), encoding="utf-8")
            err.print(f"wrote the plan for {name} to {target}")
    _print(plans, output)
    if any(p.safety.blocked for p in plans):
        return EXIT_BLOCKED
    if detailed_exitcode and any(p.has_changes for p in plans):
        return EXIT_CHANGES
    return EXIT_OK


def _print(plans: list[Plan], output: OutputFormat) -> None:
    if output is OutputFormat.json:
        if len(plans) == 1:
            sys.stdout.write(render_json(plans[0]))
        else:
            from reconciler.secrets import redact

            text = json.dumps(
                [signed_json(p) for p in plans], indent=2, ensure_ascii=False, allow_nan=False
            )
            sys.stdout.write(redact(text) + "\n")
        return
    if output is OutputFormat.markdown:
        sys.stdout.write("\n---\n\n".join(render_markdown(p) for p in plans))
        return
    console = Console(highlight=False, soft_wrap=True, markup=False)
    for index, planned in enumerate(plans):
        if index:
            console.print()
        if console.is_terminal:
            console.print(render_text(planned), end="")
        else:
            sys.stdout.write(render_text(planned).plain)


def register(app: typer.Typer) -> None:
    """Attach ``plan`` to the ``stagingpro`` application."""
    app.command("plan")(plan)
