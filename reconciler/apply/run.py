"""One apply, end to end: policy, lock, read, plan or staleness check, approval, waves,
history.

::

    request = ApplyRequest(state=Path("store-state"), environment="staging")
    outcome = apply_environment(request)                      # plan and apply now
    outcome = apply_environment(request, saved=read_plan_file(path))  # a saved plan
    outcome = apply_environment(request, checksum="9f2c…")    # only the reviewed plan
    outcome = apply_environment(request, reviewed=plan)       # its reviewed part

The order of things is what makes it safe:

1. **Policy** before anything: a protected environment needs ``confirm`` equal to its
   name (:class:`PolicyError`, exit 4); outside the environment's deploy windows an
   apply needs a ``force_reason``.
2. **Lock** (:mod:`reconciler.apply.lock`) before reading, so no other apply can change
   the store between this one's read and its writes.
3. **Read** with the context the writes will use (ids of referenced items), then either
   compute a fresh plan or check a saved plan is still fresh (:class:`PlanStaleError`).
   A plan's checksum is its change set (:mod:`reconciler.plan.model`), so a reviewed
   plan survives other items changing in the store. With ``checksum``, the fresh plan
   must be the reviewed one, else it is refused (pointing at ``--reviewed``). With
   ``reviewed`` (the reviewed plan itself), only the fresh changes identical to reviewed
   ones are applied; changes from elsewhere (another pull request merged meanwhile) are
   listed as not reviewed and left alone, and a reviewed item that changed since the
   review refuses the apply (:mod:`reconciler.apply.reviewed`).
   A saved plan must also name the store's ids of its items and, when it is not
   signed (:mod:`reconciler.plan.saved`), planning again must give exactly it.
4. **Safety**: a blocked plan is refused (:class:`SafetyError`, exit 4) unless forced
   with a reason, which is recorded. Changes that resume the unsettled work of the
   previous deployment (interrupted, or stopped early) are not counted
   (:mod:`reconciler.apply.resume`): it was planned and checked before.
5. **Approval** (the CLI shows the plan and asks, or ``--auto-approve``).
6. **History, first record**: the deployment is recorded as ``unfinished``, with what
   it plans (and, with a remote, pushed), so an apply killed during its writes still
   shows in history and the next apply knows what it resumes. When git cannot store it
   nor the local file take it, nothing is written (:class:`StorageError`).
7. **Markers**: items the previous deployment created and did not get to mark as
   StagingPro's are marked now.
8. **Waves** (:mod:`reconciler.apply.executor`), one result per change. Before each
   wave the lock's lease is renewed; every write is fenced by it, and the client's
   circuit breaker stops all requests once the store stops answering: the changes not
   yet written are then recorded as ``not applied`` with the reason.
9. **History**: the deployment's final record, with every item's result
   (:mod:`reconciler.apply.history`), replaces the first one and, with a remote, is
   pushed. When git cannot store it, it is kept in the local file (pending, moved into
   the notes later); when that fails too, :attr:`ApplyOutcome.unrecorded` says so.

Killed at any moment, nothing is lost that a re-run cannot redo: every write is
idempotent by natural key (the adapters' contract), the lock's lease expires (or is
taken over at once when its holder provably died on this machine), and a re-run
re-plans against what the store now has, resuming the interrupted deployment.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import glob
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import git
import httpx

from reconciler import running
from reconciler.adapters.base import IdMaps, ItemResult, LiveContext
from reconciler.apply.deployment import (
    Deployment,
    ItemRecord,
    PlannedItem,
    actor,
    new_id,
    now_iso,
    pull_request_of_run,
    status_of,
    where,
)
from reconciler.apply.executor import ApplyProgress, WaveTiming, execute
from reconciler.apply.gitrepo import Repository, open_repository
from reconciler.apply.history import LOCAL_FILE, FileHistory, History, history_for
from reconciler.apply.live import (
    LiveItems,
    check_fresh,
    check_ids,
    check_target,
    read_all,
    read_touched,
)
from reconciler.apply.lock import DEFAULT_TTL, EnvironmentLock, Lease
from reconciler.apply.promotion import (
    APPLIED,
    check_promotion,
    in_step_record,
    verify_deployment,
)
from reconciler.apply.resume import (
    Unsettled,
    mark_resumed,
    planned_items,
    resumed_safety,
    unsettled,
)
from reconciler.apply.reviewed import reviewed_part
from reconciler.config import (
    CONFIG_FILE,
    EffectiveEnvironment,
    effective_environment,
    load_config,
)
from reconciler.errors import (
    ConfigError,
    LiveError,
    PlanStaleError,
    PolicyError,
    SafetyError,
    StagingProError,
    StorageError,
)
from reconciler.kinds.registry import KINDS, kind_named
from reconciler.live.client import ClientOptions
from reconciler.live.connect import connect
from reconciler.live.stats import ClientStats, ProgressCallback
from reconciler.plan.build import compute_plan
from reconciler.plan.model import Change, Plan, Safety
from reconciler.plan.read import read_store_info
from reconciler.plan.saved import PLAN_KEY_ENV, SavedPlan, selection_of
from reconciler.plan.scope import declared_scope, plan_scope
from reconciler.plan.selection import EVERYTHING, Selection
from reconciler.state import load_state
from reconciler.state.pinning import pinned_state

Approver = Callable[[Plan], bool]
"""Shown the plan before any write; ``False`` cancels the apply."""
Prelude = Callable[[LiveContext], Awaitable[list[ItemRecord]]]
"""Work done before the plan (a rollback's theme re-activations): one record each, kept
with the deployment's items (and its message in the summary)."""
"""Work done under the lock before the store is read (rollback re-activates themes);
returns lines for the summary."""


@dataclass
class ApplyRequest:
    """What to apply where, and under which authority."""

    state: Path
    environment: str
    selection: Selection = EVERYTHING
    force_reason: str | None = None
    """Apply past the safety thresholds or outside the deploy windows; recorded."""
    confirm: str | None = None
    """The environment's name again, required for protected environments."""
    sandbox_db: Path | None = None
    transport: httpx.AsyncBaseTransport | None = None
    client_options: ClientOptions | None = None
    remote: str | None = None
    """The git remote locks and history are shared through (``None``: local only)."""
    lock_ttl: timedelta = DEFAULT_TTL
    operation: str = "apply"
    origin: str | None = None
    """The deployment a retry repeats or a rollback goes back to."""
    on_request: ProgressCallback | None = None
    recovery_passes: int = 2
    """When some writes failed *transiently* (no answer, 429, 5xx), re-plan and apply every
    item that did not apply, up to this many times: the writes are idempotent by natural
    key, so a write whose answer was lost is found, not repeated, and a refusal that was a
    consequence of a lost answer (a duplicate the store now reports) goes away on re-read.
    A genuinely refused item is refused again, at the cost of its one request. Not for
    saved plans, which are applied exactly as reviewed (re-run them, or ``retry``)."""
    record: bool = True
    """Record the deployment in the history (tests of the executor alone turn it off)."""


@dataclass
class ApplyOutcome:
    """What an apply did. ``deployment`` is ``None`` when there was nothing to change or
    the apply was not approved."""

    plan: Plan
    results: list[ItemResult]
    stats: ClientStats
    deployment: Deployment | None = None
    approved: bool = True
    history: str = ""
    """Where the deployment was recorded (for the summary)."""
    timings: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    """What the summary should also say (a prelude's work, a history push that failed)."""
    unreviewed: tuple[Change, ...] = ()
    """With a reviewed plan: the fresh changes it did not have, which were not applied."""
    halted: str = ""
    """Why the apply stopped writing early (lock lost, store unreachable), if it did."""
    unrecorded: StorageError | None = None
    """Set when the final record could be stored nowhere (the results are only here)."""

    @property
    def failed(self) -> list[ItemResult]:
        """Results that were not applied (failed, or skipped after a failure)."""
        return [
            r for r in self.results
            if r.outcome == "failed"
            or (r.outcome == "skipped" and not r.message.startswith("blocked:"))
        ]


def check_confirmation(settings: EffectiveEnvironment, request: ApplyRequest) -> None:
    """Refuse to change a protected environment without its name as confirmation."""
    if settings.protected and request.confirm != settings.name:
        raise PolicyError(
            f"{settings.name} is a protected environment: applying to it needs explicit"
            " confirmation",
            hint=f"add --confirm {settings.name} (after reviewing the plan)",
        )


def check_policy(
    settings: EffectiveEnvironment, request: ApplyRequest, moment: datetime | None = None
) -> None:
    """Refuse an apply the environment's policy forbids (module docstring, step 1)."""
    check_confirmation(settings, request)
    if settings.deploy_windows and request.force_reason is None:
        now = moment or datetime.now(UTC)
        if not any(window.contains(now) for window in settings.deploy_windows):
            shown = "; ".join(
                f"{','.join(w.days)} {w.start}-{w.end} {w.timezone}"
                for w in settings.deploy_windows
            )
            raise PolicyError(
                f"{settings.name} may only be changed inside its deploy windows ({shown})",
                hint='wait for the window (apply --schedule records it as pending), or for'
                ' an emergency add --force "REASON" (recorded with the deployment)',
            )


def check_safety(plan: Plan, force_reason: str | None, safety: Safety | None = None) -> None:
    """Refuse a plan past the safety thresholds unless forced (step 4); ``safety``: the
    verdict to go by when not the plan's own (resumed work not counted)."""
    safety = safety or plan.safety
    if safety.violations and safety.forced_reason is None and force_reason is None:
        listed = "\n".join(f"  {v}" for v in safety.violations)
        raise SafetyError(
            f"the plan for {plan.environment} is blocked by its safety thresholds:\n{listed}",
            hint='review it; if it is intended, apply with --force "REASON" (recorded)',
        )


def apply_environment(
    request: ApplyRequest,
    *,
    saved: SavedPlan | None = None,
    checksum: str | None = None,
    reviewed: Plan | None = None,
    approve: Approver | None = None,
    progress: ApplyProgress | None = None,
    prelude: Prelude | None = None,
) -> ApplyOutcome:
    """Apply to ``request.environment`` (module docstring). ``saved``: apply exactly this
    reviewed plan; ``checksum``: plan now and apply only if the plan's checksum is this;
    ``reviewed``: plan now and apply only the changes identical to this plan's."""
    config = load_config(request.state / CONFIG_FILE)
    settings = effective_environment(config, request.environment)
    check_policy(settings, request)
    repository = open_repository(request.state, request.remote)
    history = history_for(request.state, repository)
    commit = repository.head() if repository is not None else None
    check_promotion(settings, history, repository, commit, request.state)
    lock = EnvironmentLock(request.environment, repository, request.state, ttl=request.lock_ttl)
    with lock.held(commit, request.operation) as lease:
        outcome = _locked(
            request, settings, repository, history, commit, lease, saved, checksum, reviewed,
            approve,
            progress, prelude,
        )
    if settings.verify and outcome.deployment is not None and (
        outcome.deployment.status in APPLIED
    ):
        check = verify_deployment(settings, outcome.deployment, config)
        _record(history, check, request.state, outcome.notes)
        outcome.notes.append(check.note if check.status == "verified"
                             else f"warning: {check.note}")
    return outcome


def _locked(
    request: ApplyRequest,
    settings: EffectiveEnvironment,
    repository: Repository | None,
    history: History,
    commit: str | None,
    lease: Lease,
    saved: SavedPlan | None,
    checksum: str | None,
    reviewed: Plan | None,
    approve: Approver | None,
    progress: ApplyProgress | None,
    prelude: Prelude | None,
) -> ApplyOutcome:
    started_at = now_iso()
    started = time.perf_counter()
    timings: dict[str, float] = {}
    waves: list[WaveTiming] = []
    notes: list[str] = []
    opening: list[Deployment] = []  # the deployment's first record, once written
    done_first: list[ItemRecord] = []  # the prelude's work
    unreviewed: list[Change] = []
    client = connect(
        request.environment,
        settings,
        options=request.client_options,
        sandbox_db=request.sandbox_db,
        transport=request.transport,
        progress=request.on_request,
    )
    client.write_fence = lease.fence
    work = _unsettled(history, request.environment) if request.record else Unsettled()
    confirmed: set[tuple[str, str]] = set()
    halted: list[str] = []

    async def halt() -> str | None:
        """Why no further wave may be written (step 8), if so."""
        why = "store unreachable" if client.breaker.open else await asyncio.to_thread(
            lease.confirm
        )
        if why and not halted:
            halted.append(why)
        return why

    async def run() -> tuple[Plan, list[ItemResult], bool]:
        async with client:
            ctx = LiveContext(client, IdMaps(), settings,
                              state_root=pinned_state(request.state, request.environment,
                                                      settings.pinned))
            if prelude is not None:
                done_first.extend(await prelude(ctx))
                notes.extend(item.message for item in done_first)
            live: LiveItems
            if saved is not None:
                plan = saved.plan
                scope = plan_scope(plan)
                ctx.declared_keys, ctx.declared_fields = scope.keys, scope.fields
                live = await read_touched(ctx, [c for c in plan.changes if not c.blocked])
                check_fresh(plan, ctx, live)
                check_ids(plan, live)
                if not saved.signed:
                    await _check_rederived(ctx, request, commit, plan)
                timings["read"] = time.perf_counter() - started
            else:
                if reviewed is not None:
                    check_target(reviewed, ctx)
                plan, live = await _fresh_plan(ctx, request, commit)
                timings["read"] = time.perf_counter() - started
                if reviewed is not None:
                    part = reviewed_part(reviewed, plan)
                    plan = part.plan
                    unreviewed.extend(part.unreviewed)
                    notes.extend(part.notes())
                elif checksum is not None and plan.checksum != checksum:
                    raise PlanStaleError(
                        f"the plan for {request.environment} is not the reviewed one:"
                        f" its checksum is {plan.checksum[:12]}…, the reviewed plan's"
                        f" {checksum[:12]}… (its changes, or the store items they touch,"
                        " differ since the review)",
                        hint="to apply only what was reviewed, pass the reviewed plan itself:"
                        " --reviewed plan.json (changes made elsewhere are then left out,"
                        " and refused if they touch a reviewed item); or plan again and"
                        " review the new plan",
                    )
            safety = resumed_safety(plan, work)
            check_safety(plan, request.force_reason, safety)
            if safety != plan.safety and work.deployment is not None:
                notes.append(f"resuming the unsettled work of {work.deployment.id}: its"
                             " changes are not counted against the safety thresholds")
            if not plan.has_changes:
                if work.creates() and await halt() is None:
                    confirmed.update(await _mark(ctx, live, work, notes))
                if request.record and settings.comes_before:
                    # Others come after this environment: "in step with this commit"
                    # must be on record even with nothing to change (promotion.py).
                    opening.append(_opening_record(request, plan, saved, commit, repository,
                                                   started_at, planned_items(plan, work)))
                return plan, [], True
            if approve is not None and not await asyncio.to_thread(approve, plan):
                return plan, [], False
            if request.record:
                # Recorded (and shared) before the first write, so an apply killed from
                # here on still shows in history, as unfinished, with what it planned.
                opening.append(_opening_record(request, plan, saved, commit, repository,
                                               started_at, planned_items(plan, work)))
                await asyncio.to_thread(_record, history, opening[0], request.state, notes)
            writing = time.perf_counter()
            if work.creates() and await halt() is None:
                confirmed.update(await _mark(ctx, live, work, notes))
            results = await execute(ctx, plan.changes, progress=progress, timings=waves,
                                    halt=halt)
            timings["write"] = time.perf_counter() - writing
            if saved is None and not halted:
                recovering = time.perf_counter()
                results = await _recover(ctx, request, commit, plan, results, waves, notes)
                timings["recovery"] = time.perf_counter() - recovering
            return plan, results, True

    plan, results, approved = running.run(run())
    timings["total"] = time.perf_counter() - started
    outcome = ApplyOutcome(
        plan, results, client.stats, approved=approved, timings=timings, notes=notes,
        unreviewed=tuple(unreviewed),
        halted=halted[0] if halted else "",
    )
    if not results and approved and not plan.has_changes and request.record and (
        opening or done_first
    ):
        # Nothing to change, but on record all the same: the work done first (themes
        # re-activated), or "in step with this commit" for the environments after it.
        first = opening[0] if opening else _opening_record(
            request, plan, saved, commit, repository, started_at, ())
        outcome.deployment = dataclasses.replace(
            in_step_record(first), items=tuple(done_first),
            status="failed" if any(i.outcome == "failed" for i in done_first)
            else ("succeeded" if done_first else "no-changes"),
        )
        outcome.history = _record(history, outcome.deployment, request.state, outcome.notes)
        return outcome
    if not results or not opening:
        return outcome
    in_plan = {(c.kind, kind_named(c.kind).match_key(c.key)) for c in plan.changes}
    deployment = dataclasses.replace(
        opening[0],
        finished_at=now_iso(),
        status=status_of(results),
        items=(*done_first, *(
            ItemRecord.of(change, result)
            for change, result in zip(plan.changes, results, strict=True)
        )),
        timings={**timings, **_wave_seconds(waves)},
        requests=client.stats.total_requests,
        # Creates resumed only to be marked leave the record once they are.
        planned=tuple(
            item for item in opening[0].planned
            if (match := (item[0], kind_named(item[0]).match_key(item[1]))) in in_plan
            or match not in confirmed
        ),
    )
    outcome.deployment = deployment
    try:
        outcome.history = _record(history, deployment, request.state, outcome.notes)
    except StorageError as error:
        outcome.unrecorded = StorageError(
            f"deployment {deployment.id} ran ({deployment.status}), but its record could be"
            f" kept nowhere: {error.message}; history shows it as unfinished",
            hint="free disk space, then apply again: it resumes against what the store"
            " has and records the outcome (this run's results are shown above)",
        )
    return outcome


def _opening_record(
    request: ApplyRequest,
    plan: Plan,
    saved: SavedPlan | None,
    commit: str | None,
    repository: Repository | None,
    started_at: str,
    planned: tuple[PlannedItem, ...],
) -> Deployment:
    """The deployment as recorded before its first write: ``unfinished``, no items."""
    return Deployment(
        id=new_id(request.environment),
        environment=request.environment,
        store=plan.store,
        # A signed plan records the commit it was made from: that is what was applied (an
        # unsigned one was re-derived from this checkout).
        commit=(saved.plan.commit or commit) if saved is not None and saved.signed else commit,
        author=actor(),
        where=where(),
        started_at=started_at,
        finished_at="",
        status="unfinished",
        plan_checksum=plan.checksum,
        dirty=repository.dirty(request.state) if repository is not None else False,
        operation=request.operation,
        origin=request.origin,
        forced_reason=request.force_reason or plan.safety.forced_reason,
        pull_request=pull_request_of_run(),
        planned=planned,
    )


def _unsettled(history: History, environment: str) -> Unsettled:
    """The previous deployment's unsettled work, with other runners' records fetched
    first (best effort: without them, thresholds are simply counted in full)."""
    with contextlib.suppress(git.GitCommandError, StagingProError):
        history.fetch()
    history.settle_pending()
    return unsettled(history, environment)


async def _mark(
    ctx: LiveContext, live: LiveItems, work: Unsettled, notes: list[str]
) -> set[tuple[str, str]]:
    """Step 7; a store that refuses is a warning (the next apply tries again)."""
    try:
        confirmed, said = await mark_resumed(ctx, live, work)
    except LiveError as error:
        notes.append(f"warning: could not mark what an interrupted apply created: {error}")
        return set()
    notes.extend(said)
    return confirmed


async def _fresh_plan(
    ctx: LiveContext, request: ApplyRequest, commit: str | None
) -> tuple[Plan, LiveItems]:
    # ctx.state_root: the state directory, or a pinned environment's earlier one.
    declared = load_state(ctx.state_root or request.state, request.environment)
    covered = request.selection.kinds(KINDS)
    scope = declared_scope(declared, request.selection, covered)
    ctx.declared_keys, ctx.declared_fields = scope.keys, scope.fields
    live = await read_all(ctx, covered)
    store = await read_store_info(ctx.client, ctx.environment)
    plan = compute_plan(
        declared,
        live,
        ctx.environment,
        kinds=KINDS,
        selection=request.selection,
        force_reason=request.force_reason,
        store=store,
        created_at=now_iso(),
        commit=commit,
    )
    return plan, live


async def _check_rederived(
    ctx: LiveContext, request: ApplyRequest, commit: str | None, saved: Plan
) -> None:
    """Refuse an unsigned saved plan unless planning again (with its selection and forced
    reason) gives exactly it: nothing in it can then be an edit."""
    again = dataclasses.replace(
        request,
        selection=selection_of(saved),
        force_reason=saved.safety.forced_reason,
    )
    fresh, _ = await _fresh_plan(ctx, again, commit)
    if fresh.checksum != saved.checksum:
        raise PlanStaleError(
            f"the saved plan is not what planning {saved.environment} gives now (checksum"
            f" {saved.checksum[:12]}…, planned again {fresh.checksum[:12]}…): it was edited,"
            " or the declared state or the store changed since it was made; nothing was"
            " written",
            hint=f"plan again and review; to apply a saved plan as it was reviewed, make and"
            f" apply it with a signing key in ${PLAN_KEY_ENV}",
        )


def _record(history: History, deployment: Deployment, state: Path, notes: list[str]) -> str:
    """Record ``deployment`` (and share it); where it went. When git cannot store it,
    the record is kept in the local file, pending (a warning); a failure to push is a
    warning too. :class:`StorageError` only when it could be kept nowhere."""
    try:
        history.record(deployment)
    except (StorageError, ConfigError) as error:
        fallback = FileHistory(state.resolve().parent / LOCAL_FILE)
        if isinstance(history, FileHistory):
            raise
        fallback.record(deployment)
        notes.append(f"warning: could not record the deployment in {history.description}"
                     f" ({error.message}); kept in {fallback.path} until it can be: the next"
                     " apply, or stagingpro history, moves it into the notes")
        return f"{fallback.path} (pending)"
    try:
        history.push()
    except LiveError as error:
        notes.append(f"warning: {error}")
    return history.description


def is_transient(result: ItemResult) -> bool:
    """A failure the store may not repeat: no answer, 429 or 5xx."""
    if result.outcome != "failed" or result.detail is None:
        return False
    status = result.detail.status
    return status == 0 or status == 429 or status >= 500


async def _recover(
    ctx: LiveContext,
    request: ApplyRequest,
    commit: str | None,
    plan: Plan,
    results: list[ItemResult],
    waves: list[WaveTiming],
    notes: list[str],
) -> list[ItemResult]:
    """Re-plan and apply the items that did not apply while the store was failing
    transiently (see :attr:`ApplyRequest.recovery_passes`); the final result of each.
    A pass that cannot re-read the store leaves the results as they were."""
    results = list(results)
    for _ in range(request.recovery_passes):
        if not any(is_transient(r) for r in results) or ctx.client.breaker.open:
            break
        try:
            results = await _recovery_pass(ctx, request, commit, plan, results, waves)
        except StagingProError as error:
            notes.append(f"warning: the recovery pass stopped ({error.message}); the"
                         " results known so far are recorded")
            break
    return results


async def _recovery_pass(
    ctx: LiveContext,
    request: ApplyRequest,
    commit: str | None,
    plan: Plan,
    results: list[ItemResult],
    waves: list[WaveTiming],
) -> list[ItemResult]:
    """One pass of :func:`_recover`."""
    from reconciler.plan.selection import Rule

    results = list(results)
    redo = [
        index for index, r in enumerate(results)
        if r.outcome == "failed"
        or (r.outcome == "skipped" and not r.message.startswith("blocked:"))
    ]
    rules = tuple(dict.fromkeys(
        Rule(plan.changes[i].kind, glob.escape(plan.changes[i].key)) for i in redo
    ))
    again = dataclasses.replace(request, selection=Selection(only=rules), force_reason=None)
    fresh, _ = await _fresh_plan(ctx, again, commit)
    written = await execute(ctx, fresh.changes, timings=waves)
    by_item = {
        (change.kind, kind_named(change.kind).match_key(change.key)): result
        for change, result in zip(fresh.changes, written, strict=True)
    }
    for index in redo:
        change = plan.changes[index]
        found = by_item.get((change.kind, kind_named(change.kind).match_key(change.key)))
        if found is None:  # nothing left to do: the lost write had been applied
            results[index] = ItemResult(
                change.kind, change.key, change.action, "applied",
                message="applied (confirmed by re-reading after a lost answer)",
                ids=results[index].ids,
            )
        else:
            results[index] = dataclasses.replace(found, action=change.action)
    return results


def _wave_seconds(waves: Sequence[WaveTiming]) -> Mapping[str, float]:
    totals: dict[str, float] = {}
    for wave in waves:
        name = f"{wave.action} {wave.kind}"
        totals[name] = round(totals.get(name, 0.0) + wave.seconds, 3)
    return totals


def summary_counts(results: Sequence[ItemResult]) -> dict[str, Any]:
    """``{"applied": n, "failed": n, "skipped": n}`` of a list of results."""
    counts = {"applied": 0, "failed": 0, "skipped": 0}
    for result in results:
        counts[result.outcome] += 1
    return counts
