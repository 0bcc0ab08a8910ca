"""``stagingpro apply``: apply the declared state (or a reviewed plan) to one environment.

Thin: the work is :func:`reconciler.apply.run.apply_environment`. This module also holds
what apply, retry and rollback show: a progress bar with ETA while writing (stderr, only
on a terminal), then a summary, and a table of the items that did not apply (exit 3).
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from reconciler.adapters.base import ItemResult
from reconciler.apply.gitrepo import open_repository
from reconciler.apply.history import History, fetched_history
from reconciler.apply.run import ApplyOutcome, ApplyRequest, apply_environment, summary_counts
from reconciler.apply.schedule import NothingPending, pending_to_apply, schedule_outside_window
from reconciler.config import CONFIG_FILE, effective_environment, load_config
from reconciler.errors import EXIT_OK, ConfigError, PartialFailureError, PlanStaleError
from reconciler.plan.model import Plan
from reconciler.plan.saved import PLAN_KEY_ENV, SavedPlan, read_plan_file
from reconciler.plan.selection import EVERYTHING, Selection
from reconciler.render import render_text
from reconciler.secrets import redact


class ProgressBar:
    """A Rich progress bar over a plan's changes (the executor's ``ApplyProgress``)."""

    def __init__(self, console: Console, total: int) -> None:
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("[red]{task.fields[failed]} failed"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.task = self.progress.add_task("applying", total=total, failed=0)
        self.failed = 0

    def wave_started(self, kind: str, action: str, count: int) -> None:
        self.progress.update(self.task, description=f"{action} {kind} ({count})")

    def items_done(self, results: Sequence[ItemResult]) -> None:
        self.failed += sum(1 for r in results if r.outcome == "failed")
        self.progress.update(self.task, advance=len(results), failed=self.failed)


def progress_for(err: Console, plan_size: int) -> ProgressBar | None:
    """A progress bar on stderr when it is a terminal, else ``None``."""
    return ProgressBar(err, plan_size) if err.is_terminal else None


def show_plan(plan: Plan) -> None:
    """The plan on stdout, as ``stagingpro plan`` prints it."""
    console = Console(highlight=False, soft_wrap=True, markup=False)
    if console.is_terminal:
        console.print(render_text(plan), end="")
    else:
        sys.stdout.write(render_text(plan).plain)


def failure_table(failed: Sequence[ItemResult]) -> str:
    """The items that did not apply, as plain text columns (for the error message)."""
    rows = [("KIND", "KEY", "ACTION", "OUTCOME", "STATUS", "MESSAGE")]
    for result in failed:
        status = str(result.detail.status) if result.detail is not None else ""
        message = result.message
        if result.detail is not None and result.detail.errors:
            details = "; ".join(f"{k}: {v}" for k, v in result.detail.errors.items())
            message = f"{message} ({details})" if message else details
        rows.append((result.kind, result.key, result.action, result.outcome, status, message))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [
        "  ".join(cell.ljust(width) for cell, width in zip(row[:5], widths, strict=True))
        + "  " + row[5]
        for row in rows
    ]
    return redact("\n".join(line.rstrip() for line in lines))


def print_summary(outcome: ApplyOutcome, console: Console | None = None) -> None:
    """The end-of-apply summary on stdout (counts per kind and action, requests, time)."""
    console = console or Console(highlight=False, soft_wrap=True, markup=False)
    plan = outcome.plan
    for note in outcome.notes:
        console.print(note)
    if not outcome.results:
        if not outcome.approved:
            console.print("Apply cancelled; nothing was changed.")
        elif outcome.unreviewed:
            console.print(
                f"Nothing reviewed is left to apply to {plan.environment} ({plan.store})."
            )
        else:
            console.print(
                f"No changes. {plan.environment} ({plan.store}) matches the declared state."
            )
        return
    table = Table(title=f"Applied to {plan.environment} ({plan.store})", show_edge=False)
    for column in ("kind", "action", "applied", "failed", "skipped"):
        table.add_column(column, justify="left" if column in ("kind", "action") else "right")
    rows: dict[tuple[str, str], dict[str, int]] = {}
    for result in outcome.results:
        counts = rows.setdefault((result.kind, result.action), summary_counts([]))
        counts[result.outcome] += 1
    for (kind, action), counts in rows.items():
        table.add_row(kind, action, *(str(counts[k]) for k in ("applied", "failed", "skipped")))
    console.print(table)
    totals = summary_counts(outcome.results)
    seconds = outcome.timings.get("total", 0.0)
    line = (
        f"{totals['applied']} applied, {totals['failed']} failed, {totals['skipped']} skipped"
        f" in {seconds:.1f}s ({outcome.stats.total_requests} requests,"
        f" {outcome.stats.throttled} throttled, {outcome.stats.retries} retried)"
    )
    console.print(line)
    if outcome.deployment is not None:
        console.print(f"deployment {outcome.deployment.id} recorded in {outcome.history}")



def finish(outcome: ApplyOutcome) -> int:
    """Print the summary; raise the :class:`StorageError` of a record kept nowhere (exit
    1), or :class:`PartialFailureError` (exit 3) listing the items that did not apply,
    else exit 0."""
    print_summary(outcome)
    if outcome.unrecorded is not None:
        raise outcome.unrecorded
    failed = outcome.failed
    if failed:
        deployment: Any = outcome.deployment
        retry = f"stagingpro retry {outcome.plan.environment}"
        if deployment is not None:
            retry += f" {deployment.id}"
        hint = f"fix the cause (the YAML, or the store), then: {retry}"
        if outcome.halted:
            hint = (f"the apply stopped early ({outcome.halted}); once that is resolved, apply"
                    f" again (stagingpro apply {outcome.plan.environment}): it finishes the work")
        raise PartialFailureError(
            f"{len(failed)} of {len(outcome.results)} changes did not apply:\n"
            + failure_table(failed),
            hint=hint,
        )
    return 0


# -- options shared by apply, retry and rollback ------------------------------------------
StateOption = Annotated[
    Path,
    typer.Option("--state", help="The declared state directory (holding stagingpro.yaml).",
                 file_okay=False),
]
SandboxOption = Annotated[
    Path | None,
    typer.Option("--sandbox-db", help="The embedded sandbox's SQLite file (sandbox"
                 " environments; default .stagingpro/sandbox.db or $STAGINGPRO_SANDBOX_DB).",
                 dir_okay=False),
]
RemoteOption = Annotated[
    str | None,
    typer.Option(
        "--remote",
        help="The git remote that locks and deployment history are shared through (a"
        " compare-and-swap push of refs/stagingpro/locks/ENV; notes pushed to"
        " refs/notes/stagingpro). Default: origin for real stores when it exists, none for"
        " sandbox environments; 'none' (or '') keeps them in the local repository.",
    ),
]
FetchOption = Annotated[
    bool,
    typer.Option(
        "--fetch/--no-fetch",
        help="Fetch the deployment history (refs/notes/stagingpro) from --remote, or else"
        " origin when it exists, and merge it with this clone's before reading it; a"
        " remote that cannot be reached is a warning.",
    ),
]
NO_REMOTE = ("none", "")
"""``--remote`` values that mean: no remote."""
ConfirmOption = Annotated[
    str | None,
    typer.Option("--confirm", metavar="ENV",
                 help="The environment's name again: required for protected environments."),
]
ForceOption = Annotated[
    str | None,
    typer.Option("--force", metavar="REASON",
                 help="Apply past the safety thresholds or outside the deploy windows; the"
                 " reason is recorded with the deployment."),
]
LockTtlOption = Annotated[
    int,
    typer.Option("--lock-ttl", help="Seconds the environment's lock lease lasts without"
                 " renewal (it is renewed while the apply runs and before each write wave;"
                 " writes stop once it cannot be).", min=5),
]


def resolve_remote(state: Path, environment: str, remote: str | None) -> str | None:
    """The remote to share locks and history through (see ``--remote``)."""
    if remote is not None:
        return None if remote in NO_REMOTE else remote
    config = load_config(state / CONFIG_FILE)
    settings = effective_environment(config, environment)
    if settings.is_sandbox:
        return None
    repository = open_repository(state)
    return "origin" if repository is not None and repository.has_remote("origin") else None


def history_remote(state: Path, remote: str | None, fetch: bool) -> str | None:
    """The remote to fetch the deployment history from before reading it (``--fetch``):
    ``--remote`` when given, else origin when the repository has it — also for sandbox
    environments, whose locks stay local: a team member's clone should not show stale
    notes."""
    if not fetch or remote in NO_REMOTE:
        return None
    if remote is not None:
        return remote
    repository = open_repository(state)
    return "origin" if repository is not None and repository.has_remote("origin") else None


def read_history(state: Path, remote: str | None, fetch: bool) -> History:
    """The deployment history, fetched first (:func:`history_remote`); a warning on
    stderr when the remote cannot be reached."""
    history, warning = fetched_history(state, history_remote(state, remote, fetch))
    if warning is not None:
        Console(stderr=True, highlight=False, soft_wrap=True).print(redact(warning), markup=False)
    return history


def check_force(force: str | None) -> None:
    if force is not None and not force.strip():
        raise ConfigError("--force needs a reason", hint='e.g. --force "yearly repricing"')


def build_request(
    state: Path,
    environment: str,
    *,
    force: str | None,
    confirm: str | None,
    sandbox_db: Path | None,
    remote: str | None,
    lock_ttl: int,
    selection: Selection = EVERYTHING,
) -> ApplyRequest:
    """The :class:`ApplyRequest` of ``apply``, ``retry`` and ``rollback`` from their shared
    options (``--force`` checked for a reason, ``--remote`` resolved)."""
    check_force(force)
    return ApplyRequest(
        state=state,
        environment=environment,
        selection=selection,
        force_reason=force,
        confirm=confirm,
        sandbox_db=sandbox_db,
        remote=resolve_remote(state, environment, remote),
        lock_ttl=timedelta(seconds=lock_ttl),
    )


def require_terminal(command: str, hint: str) -> None:
    """Refuse to ask for confirmation when nobody can answer (CI, pipes)."""
    if not sys.stdin.isatty():
        raise ConfigError(
            f"{command} asks for confirmation, but standard input is not a terminal", hint=hint
        )


def ask(plan: Plan) -> bool:
    """Show ``plan`` and ask for ``yes`` on the terminal."""
    show_plan(plan)
    answer = typer.prompt(
        f"\nApply these changes to {plan.environment}? Only 'yes' is accepted", default="",
        show_default=False,
    )
    return bool(answer.strip() == "yes")


def run_apply(
    request: ApplyRequest,
    *,
    saved: SavedPlan | None = None,
    checksum: str | None = None,
    reviewed: Plan | None = None,
    auto_approve: bool = True,
) -> int:
    """Apply with the terminal's progress bar and summary; the exit code."""
    err = Console(stderr=True, highlight=False, markup=False)
    bar: ProgressBar | None = None

    def approve(plan: Plan) -> bool:
        nonlocal bar
        if not auto_approve and not ask(plan):
            return False
        bar = progress_for(err, len(plan.changes))
        if bar is not None:
            bar.progress.start()
        return True

    class _Relay:
        def wave_started(self, kind: str, action: str, count: int) -> None:
            if bar is not None:
                bar.wave_started(kind, action, count)

        def items_done(self, results: Sequence[ItemResult]) -> None:
            if bar is not None:
                bar.items_done(results)

    try:
        outcome = apply_environment(
            request, saved=saved, checksum=checksum, reviewed=reviewed, approve=approve,
            progress=_Relay(),
        )
    finally:
        if bar is not None:
            bar.progress.stop()
    return finish(outcome)


def apply(
    environment: Annotated[str, typer.Argument(help="The environment to apply to.")],
    state: StateOption = Path("store-state"),
    plan_file: Annotated[
        Path | None,
        typer.Option("--plan", help="Apply this saved plan (stagingpro plan --out) exactly;"
                     " refused when it was changed or the items it touches changed in the"
                     f" store since. Signed plans (${PLAN_KEY_ENV} set when planning and"
                     " applying) are applied as reviewed; unsigned ones only while planning"
                     " again gives exactly them.", dir_okay=False, exists=True),
    ] = None,
    checksum: Annotated[
        str | None,
        typer.Option("--checksum", metavar="SHA",
                     help="Plan now and apply only if the plan's checksum (its change set)"
                     " is SHA, the reviewed plan's; refused when it differs. With"
                     " --reviewed: SHA must be that plan's checksum."),
    ] = None,
    reviewed_file: Annotated[
        Path | None,
        typer.Option("--reviewed", metavar="PLAN.json",
                     help="The reviewed plan (stagingpro plan --out): plan now and apply only"
                     " the changes identical to reviewed ones; other changes (another pull"
                     " request's) are listed, not applied; refused when an item it changes"
                     " changed since the review.", dir_okay=False, exists=True),
    ] = None,
    auto_approve: Annotated[
        bool, typer.Option("--auto-approve", help="Apply without showing the plan and asking.")
    ] = False,
    confirm: ConfirmOption = None,
    force: ForceOption = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Apply only KIND or KIND:KEY-GLOB (repeatable; not with"
                     " --plan)."),
    ] = None,
    exclude: Annotated[
        list[str] | None,
        typer.Option("--exclude", help="Leave out KIND or KIND:KEY-GLOB (repeatable)."),
    ] = None,
    schedule: Annotated[
        bool,
        typer.Option("--schedule", help="Outside the deploy windows, record a pending"
                     " deployment (shown by history) instead of refusing; exit 0."),
    ] = False,
    pending: Annotated[
        bool,
        typer.Option("--pending", help="Apply only if a deployment is pending and a deploy"
                     " window is open (the scheduled workflow); else say why, exit 0."),
    ] = False,
    sandbox_db: SandboxOption = None,
    remote: RemoteOption = None,
    lock_ttl: LockTtlOption = 900,
) -> int:
    """Apply the declared state to an environment's store: read it, plan, and write the
    changes in dependency waves and the largest batches the API takes, with one result
    per change. Takes the environment's lock and records the deployment in the git notes
    (refs/notes/stagingpro) of the applied commit.

    Without --plan, --checksum or --reviewed the plan is shown and confirmed on the
    terminal (or --auto-approve). Exit codes: 0 all applied (or nothing to do), 3 some
    items failed or were not applied because the lock was lost or the store stopped
    answering (listed; apply again to finish), 4 blocked (safety thresholds, protected
    environment, deploy window, lock, promotion order), 1 error (including a stale or
    altered saved plan, a reviewed item that changed since the review, or a lock or
    record git could not store). Applying after an interrupted apply resumes its work:
    its planned changes are not held against the thresholds again.
    """
    if plan_file is not None and (checksum is not None or reviewed_file is not None):
        raise ConfigError("give --plan, or --checksum and/or --reviewed, not both")
    if (plan_file is not None or reviewed_file is not None) and (only or exclude):
        raise ConfigError("--only/--exclude select what to plan; a saved plan is applied whole",
                          hint="plan with --only/--exclude and --out, then apply that plan")
    reviewed = plan_file is not None or checksum is not None or reviewed_file is not None
    request = build_request(
        state, environment, force=force, confirm=confirm, sandbox_db=sandbox_db,
        remote=remote, lock_ttl=lock_ttl, selection=Selection.parse(only or (), exclude or ()),
    )
    if not reviewed and not auto_approve:
        require_terminal(
            "apply", "pass --auto-approve, or apply a reviewed plan with --plan or --checksum"
        )
    if schedule:
        deferred = schedule_outside_window(request)
        if deferred is not None:
            typer.echo(f"Pending: {deferred.note}; recorded as {deferred.id}.")
            return EXIT_OK
    if pending:
        try:
            request = dataclasses.replace(request, origin=pending_to_apply(request))
        except NothingPending as idle:
            typer.echo(f"Nothing to apply now: {idle}.")
            return EXIT_OK
    saved = read_plan_file(plan_file) if plan_file is not None else None
    reviewed_plan = None
    if reviewed_file is not None:
        reviewed_plan = read_plan_file(reviewed_file).plan
        if checksum is not None and reviewed_plan.checksum != checksum:
            raise PlanStaleError(
                f"{reviewed_file} is not the reviewed plan: its checksum is"
                f" {reviewed_plan.checksum[:12]}…, not {checksum[:12]}…",
                hint="pass the plan file of the plan run whose checksum was reviewed",
            )
        checksum = None  # the plan's changes are compared one by one
    return run_apply(request, saved=saved, checksum=checksum, reviewed=reviewed_plan,
                     auto_approve=reviewed or auto_approve)


def register(app: typer.Typer) -> None:
    """Attach ``apply`` to the ``stagingpro`` application."""
    app.command("apply")(apply)
