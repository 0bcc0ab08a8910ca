"""``stagingpro history``: the deployments recorded in git notes, and one in detail."""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from reconciler.apply.deployment import Deployment
from reconciler.cli.apply import FetchOption, StateOption, read_history
from reconciler.errors import ConfigError, LiveError
from reconciler.secrets import redact


def history(
    target: Annotated[
        str, typer.Argument(help="An environment, to list its deployments; or 'show'.")
    ],
    deployment: Annotated[
        str | None, typer.Argument(help="With 'show': the deployment id (or a unique prefix).")
    ] = None,
    state: StateOption = Path("store-state"),
    remote: Annotated[
        str | None,
        typer.Option("--remote", help="Fetch the deployments others pushed to this git remote"
                     " first (default: origin when it exists; 'none' or '': none)."),
    ] = None,
    fetch: FetchOption = True,
    limit: Annotated[int, typer.Option("--limit", help="Newest N deployments.", min=1)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> int:
    """List ENV's deployments (newest first: status, counts, who, when, commit), or with
    `history show ID` every item of one deployment: its outcome, BigCommerce's status and
    message, the store ids and the values it had before.

    Deployments live in the git notes refs/notes/stagingpro of the applied commits (or,
    when the declared state is not in git, in .stagingpro/deployments.jsonl). A deployment
    is recorded before its first write: one that shows as `unfinished` is still running,
    or was interrupted (apply again to finish it). The remote's notes are fetched and
    merged first (--no-fetch: this clone's alone). Records git could not store when they
    were made (kept in .stagingpro/deployments.jsonl) are moved into the notes.
    """
    store = read_history(state, remote, fetch)
    if store.settle_pending():
        # Records an apply could not store or share before; sharing them may fail again
        # (the remote is unreachable), which must not stop the history from showing.
        with contextlib.suppress(LiveError):
            store.push()
    if target == "show":
        if deployment is None:
            raise ConfigError("history show needs a deployment id",
                              hint="list them with: stagingpro history ENV")
        return _show(store.get(deployment), as_json)
    if deployment is not None:
        raise ConfigError(f"unexpected argument {deployment!r}",
                          hint=f"stagingpro history {target}, or stagingpro history show ID")
    found = list(reversed(store.of(target)))[:limit]
    if as_json:
        rows = [{**d.to_json(), "items": None, "counts": d.counts()} for d in found]
        sys.stdout.write(redact(json.dumps(rows, indent=2, allow_nan=False)) + "\n")
        return 0
    if not found:
        typer.echo(f"No deployment to {target} is recorded in {store.description}.")
        return 0
    table = Table(title=f"Deployments to {target}", show_edge=False)
    for column in ("id", "status", "operation", "applied", "failed", "skipped", "who", "when",
                   "commit"):
        table.add_column(column)
    for d in found:
        counts = d.counts()
        table.add_row(
            d.id, d.status, d.operation + (f" {d.origin}" if d.origin else ""),
            str(counts["applied"]), str(counts["failed"]), str(counts["skipped"]),
            d.author, d.started_at, (d.commit or "")[:12] + (" (dirty)" if d.dirty else ""),
        )
    Console(highlight=False, soft_wrap=True, width=200, markup=False).print(table)
    return 0


def _show(deployment: Deployment, as_json: bool) -> int:
    if as_json:
        sys.stdout.write(redact(json.dumps(deployment.to_json(), indent=2, allow_nan=False)) + "\n")
        return 0
    d = deployment
    counts = d.counts()
    lines = [
        f"deployment {d.id}: {d.status} ({d.operation}"
        + (f" of {d.origin}" if d.origin else "") + ")",
        f"  environment {d.environment}, store {d.store}",
        f"  commit {d.commit or '-'}{' (work tree had uncommitted changes)' if d.dirty else ''}",
        f"  by {d.author} at {d.where}, {d.started_at} → {d.finished_at or '…'}",
        f"  plan checksum {d.plan_checksum or '-'}",
        f"  {counts['applied']} applied, {counts['failed']} failed, {counts['skipped']} skipped,"
        f" {d.requests} requests",
    ]
    if d.unfinished:
        lines.append(
            "  no result recorded: the apply is still running, or it was interrupted during"
            " its writes; applying again re-reads the store and finishes what is left"
        )
    if d.forced_reason:
        lines.append(f"  forced: {d.forced_reason}")
    if d.note:
        lines.append(f"  {d.note}")
    if d.timings:
        lines.append("  timings: " + ", ".join(f"{k} {v:.2f}s" for k, v in d.timings.items()))
    for item in d.items:
        status = f" {item.status}" if item.status else ""
        lines.append(f"  {item.outcome:8} {item.action:6} {item.kind} {item.key}{status}")
        if item.message:
            lines.append(f"      {item.message}")
        for name, text in item.errors.items():
            lines.append(f"      {name}: {text}")
        for path, value in item.before:
            shown = json.dumps(value, ensure_ascii=False)
            if len(shown) > 120:
                shown = shown[:117] + "..."
            lines.append(f"      before {'.'.join(str(p) for p in path)} = {shown}")
    sys.stdout.write(redact("\n".join(lines)) + "\n")
    return 0


def register(app: typer.Typer) -> None:
    """Attach ``history`` to the ``stagingpro`` application."""
    app.command("history")(history)
