"""``stagingpro retry``: plan again and apply only what failed in a deployment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reconciler.apply.retry import find_deployment, retry_request
from reconciler.cli.apply import (
    ConfirmOption,
    FetchOption,
    ForceOption,
    LockTtlOption,
    RemoteOption,
    SandboxOption,
    StateOption,
    build_request,
    read_history,
    require_terminal,
    run_apply,
)


def retry(
    environment: Annotated[str, typer.Argument(help="The environment of the deployment.")],
    deployment: Annotated[
        str | None,
        typer.Argument(help="The deployment id (or a unique prefix); default: the latest."),
    ] = None,
    state: StateOption = Path("store-state"),
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Apply without showing the plan and asking.")
    ] = False,
    confirm: ConfirmOption = None,
    force: ForceOption = None,
    sandbox_db: SandboxOption = None,
    remote: RemoteOption = None,
    fetch: FetchOption = True,
    lock_ttl: LockTtlOption = 900,
) -> int:
    """Re-plan and apply only the items that failed (or were skipped because something
    they depend on failed) in DEPLOYMENT, from the declared state as it is now — fix the
    YAML first. An unfinished deployment (interrupted, or still running) recorded no
    results to retry: apply again instead. Exit codes as for apply.
    """
    request = build_request(
        state, environment, force=force, confirm=confirm, sandbox_db=sandbox_db,
        remote=remote, lock_ttl=lock_ttl,
    )
    if not auto_approve:
        require_terminal("retry", "pass --auto-approve")
    found = find_deployment(request, deployment, read_history(state, remote, fetch))
    retried = retry_request(request, found)
    if retried is None:
        typer.echo(f"Every change of deployment {found.id} applied; nothing to retry.")
        return 0
    typer.echo(
        f"Retrying {len(retried.selection.only)} item(s) of deployment {found.id}", err=True
    )
    return run_apply(retried, auto_approve=auto_approve)


def register(app: typer.Typer) -> None:
    """Attach ``retry`` to the ``stagingpro`` application."""
    app.command("retry")(retry)
