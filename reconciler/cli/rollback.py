"""``stagingpro rollback``: the declared state back to an earlier deployment or commit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from reconciler.apply.rollback import release
from reconciler.apply.rollback import rollback as roll_back
from reconciler.cli.apply import (
    ConfirmOption,
    FetchOption,
    ForceOption,
    LockTtlOption,
    RemoteOption,
    SandboxOption,
    StateOption,
    build_request,
    finish,
    read_history,
)
from reconciler.errors import ConfigError


def rollback(
    environment: Annotated[str, typer.Argument(help="The environment to roll back.")],
    to: Annotated[
        str | None, typer.Option("--to", metavar="DEPLOYMENT|COMMIT",
                                 help="The deployment id (or prefix) or commit to go back to.")
    ] = None,
    every: Annotated[
        bool, typer.Option("--all", help="Roll back every environment: restore the shared"
                           " state directory (default: pin ENV alone).")
    ] = False,
    release_pin: Annotated[
        bool, typer.Option("--release", help="Remove ENV's rollback pin: it follows the"
                           " branch again.")
    ] = False,
    apply: Annotated[
        bool, typer.Option("--apply", help="Emergency: also apply the rolled-back state now"
                           " (themes are re-activated, not uploaded).")
    ] = False,
    branch: Annotated[
        str | None,
        typer.Option("--branch", help="Branch for the rollback commit (default"
                     " stagingpro/rollback-ENV-COMMIT)."),
    ] = None,
    in_place: Annotated[
        bool, typer.Option("--in-place", help="Commit on the current branch instead.")
    ] = False,
    state: StateOption = Path("store-state"),
    confirm: ConfirmOption = None,
    force: ForceOption = None,
    sandbox_db: SandboxOption = None,
    remote: RemoteOption = None,
    fetch: FetchOption = True,
    lock_ttl: LockTtlOption = 900,
) -> int:
    """Roll ENV back to DEPLOYMENT|COMMIT in one commit (on a new branch, for a pull
    request, unless --in-place): ENV is pinned to that commit's declared state (pinned: in
    stagingpro.yaml) while the other environments keep following the branch, so later
    merges do not undo it; --release removes the pin. --all instead restores the shared
    state directory, reverting every commit since for every environment. With --apply,
    re-activate the themes that were live then, apply the rolled-back state at once and
    push the branch.
    """
    request = build_request(
        state, environment, force=force, confirm=confirm, sandbox_db=sandbox_db,
        remote=remote, lock_ttl=lock_ttl,
    )
    on = None if in_place else (branch or "")
    if release_pin:
        released = release(request, branch=on)
        typer.echo(f"Released {environment} from its pin in {released[:12]}." if released
                   else f"{environment} is not pinned.")
        return 0
    if to is None:
        raise ConfigError("rollback needs --to DEPLOYMENT|COMMIT (or --release)")
    outcome = roll_back(request, to, branch=on, apply=apply,
                        history=read_history(state, remote, fetch), every_environment=every)
    target = outcome.plan.target[:12]
    if outcome.commit is None:
        typer.echo(f"{state} already has the content of {target}; no commit made.")
    else:
        where = f" on branch {outcome.branch}" if outcome.branch else ""
        typer.echo(
            f"Committed {outcome.commit[:12]}{where}: {state} as of {target}, reverting"
            f" {len(outcome.plan.reverted)} commit(s)." if every else
            f"Committed {outcome.commit[:12]}{where}: {environment} pinned to {target}"
            f" ({len(outcome.plan.reverted)} later commit(s) held back for it)."
        )
        if outcome.branch and not apply:
            typer.echo(f"Open a pull request: git push -u origin {outcome.branch}")
    if outcome.applied is not None:
        return finish(outcome.applied)
    return 0


def register(app: typer.Typer) -> None:
    """Attach ``rollback`` to the ``stagingpro`` application."""
    app.command("rollback")(rollback)
