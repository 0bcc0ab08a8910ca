"""``stagingpro unlock``: break an environment's apply lock (after a runner died)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reconciler.apply.deployment import Deployment, actor, new_id, now_iso, where
from reconciler.apply.gitrepo import open_repository
from reconciler.apply.history import history_for
from reconciler.apply.lock import EnvironmentLock
from reconciler.cli.apply import RemoteOption, StateOption, resolve_remote
from reconciler.config import CONFIG_FILE, effective_environment, load_config
from reconciler.errors import ConfigError


def unlock(
    environment: Annotated[str, typer.Argument(help="The environment whose lock to break.")],
    force: Annotated[
        bool, typer.Option("--force", help="Required: break the lock whoever holds it.")
    ] = False,
    state: StateOption = Path("store-state"),
    remote: RemoteOption = None,
) -> int:
    """Show who holds ENV's lock; with --force, delete it and record in the deployment
    history who broke it. Only break a lock whose apply is known to be dead: a running
    apply that loses its lock goes on writing."""
    settings = effective_environment(load_config(state / CONFIG_FILE), environment)
    repository = open_repository(state, resolve_remote(state, environment, remote))
    lock = EnvironmentLock(settings.name, repository, state)
    holder = lock.holder()
    if holder is None:
        typer.echo(f"{environment} is not locked ({lock.description}).")
        return 0
    if not force:
        raise ConfigError(
            f"{environment} is locked by {holder.describe()}",
            hint=f"if that apply is dead: stagingpro unlock {environment} --force",
        )
    broken = lock.force_release()
    history = history_for(state, repository)
    stamp = now_iso()
    history.record(
        Deployment(
            id=new_id(environment),
            environment=environment,
            store="",
            commit=repository.head() if repository is not None else None,
            author=actor(),
            where=where(),
            started_at=stamp,
            finished_at=stamp,
            status="lock-broken",
            operation="unlock",
            note=f"broke the lock held by {broken.describe()}" if broken else "lock was free",
        )
    )
    history.push()
    typer.echo(
        f"Broke the lock of {environment}"
        + (f" held by {broken.describe()}" if broken else "")
        + f"; recorded in {history.description}."
    )
    return 0


def register(app: typer.Typer) -> None:
    """Attach ``unlock`` to the ``stagingpro`` application."""
    app.command("unlock")(unlock)
