"""Deploy windows that schedule instead of refusing.

An apply outside its environment's deploy windows is refused (exit 4) — unless it is
asked to *schedule* (``apply --schedule``, what the apply workflow does): then it records
a ``pending`` deployment of the commit (visible in ``history``) and succeeds without
touching the store. ``apply --pending`` (what the scheduled workflow runs every half
hour) applies the checked-out commit once a window is open, if a pending deployment is
waiting; the commit must contain every pending commit. A pending deployment is settled
by any later apply, retry or rollback of a commit that contains it.

The scheduled apply plans afresh when the window opens: the store may have changed in
the days between, and the plan is what is applied *now* — still subject to the safety
thresholds, the promotion order and the lock, and recorded with the pending deployment
as its origin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import git

from reconciler.apply.deployment import Deployment, actor, new_id, now_iso, where
from reconciler.apply.gitrepo import Repository, open_repository
from reconciler.apply.history import History, history_for
from reconciler.apply.run import ApplyRequest, check_confirmation
from reconciler.config import (
    CONFIG_FILE,
    DAYS,
    DeployWindow,
    EffectiveEnvironment,
    StoreBackend,
    effective_environment,
    load_config,
)
from reconciler.errors import PolicyError

SETTLING = ("apply", "retry", "rollback")
"""Operations whose deployments settle the pending deployments they contain."""
SEARCH_DAYS = 8


@dataclass(frozen=True)
class WindowState:
    """Whether ``moment`` is inside one of an environment's windows, and the next change:
    when the current window closes, or when the next one opens."""

    inside: bool
    changes_at: datetime | None

    def describe(self, environment: str) -> str:
        if self.changes_at is None:
            return f"{environment} has no deploy windows: it may be changed at any time"
        stamp = self.changes_at.strftime("%a %Y-%m-%d %H:%M %Z")
        if self.inside:
            return f"{environment} is inside a deploy window until {stamp}"
        return f"{environment} is outside its deploy windows; the next one opens {stamp}"


def window_state(settings: EffectiveEnvironment, moment: datetime | None = None) -> WindowState:
    """Where ``moment`` (default: now) falls among ``settings``'s deploy windows."""
    now = moment or datetime.now(UTC)
    windows = settings.deploy_windows
    if not windows:
        return WindowState(True, None)
    if any(window.contains(now) for window in windows):
        ends = [end for window in windows if (end := _current_end(window, now)) is not None]
        return WindowState(True, min(ends) if ends else None)
    starts = [_next_start(window, now) for window in windows]
    return WindowState(False, min(starts))


def _next_start(window: DeployWindow, now: datetime) -> datetime:
    zone = ZoneInfo(window.timezone)
    local = now.astimezone(zone)
    start = time.fromisoformat(window.start)
    for offset in range(SEARCH_DAYS):
        day = local.date() + timedelta(days=offset)
        if DAYS[day.weekday()] not in window.days:
            continue
        candidate = datetime.combine(day, start, tzinfo=zone)
        if candidate > local:
            return candidate
    raise AssertionError("a window with at least one day opens within a week")


def _current_end(window: DeployWindow, now: datetime) -> datetime | None:
    if not window.contains(now):
        return None
    zone = ZoneInfo(window.timezone)
    local = now.astimezone(zone)
    end = datetime.combine(local.date(), time.fromisoformat(window.end), tzinfo=zone)
    return end if end > local else end + timedelta(days=1)


def pending_deployment(
    settings: EffectiveEnvironment, commit: str | None, state: WindowState, store: str
) -> Deployment:
    """The record of an apply deferred to the next window."""
    stamp = now_iso()
    return Deployment(
        id=new_id(settings.name),
        environment=settings.name,
        store=store,
        commit=commit,
        author=actor(),
        where=where(),
        started_at=stamp,
        finished_at="",
        status="pending",
        note=state.describe(settings.name),
    )


def waiting(history: History, repository: Repository | None, environment: str) -> list[Deployment]:
    """The pending deployments of ``environment`` not yet settled, oldest first."""
    records = history.of(environment)
    found: list[Deployment] = []
    for index, record in enumerate(records):
        if record.status != "pending":
            continue
        later = [
            r for r in records[index + 1:]
            if r.operation in SETTLING and r.status not in ("pending", "unfinished")
        ]
        if not any(_contains(repository, r.commit, record.commit) for r in later):
            found.append(record)
    return found


def _contains(repository: Repository | None, deployed: str | None, wanted: str | None) -> bool:
    if deployed is None or wanted is None:
        return deployed == wanted
    if deployed == wanted:
        return True
    if repository is None:
        return False
    try:
        repository.run("merge-base", "--is-ancestor", wanted, deployed)
        return True
    except git.GitCommandError:
        return False


def contains_all(repository: Repository | None, commit: str | None,
                 pending: list[Deployment]) -> list[Deployment]:
    """The pending deployments whose commits ``commit`` does *not* contain."""
    return [p for p in pending if not _contains(repository, commit, p.commit)]


def schedule_outside_window(
    request: ApplyRequest, moment: datetime | None = None
) -> Deployment | None:
    """For ``apply --schedule``: outside ``request``'s environment's windows (and not
    forced), record a pending deployment of the checked-out commit and return it;
    inside, ``None`` (apply now). A protected environment still needs its confirmation."""
    settings = effective_environment(load_config(request.state / CONFIG_FILE),
                                     request.environment)
    state = window_state(settings, moment)
    if state.inside or request.force_reason is not None:
        return None
    check_confirmation(settings, request)
    repository = open_repository(request.state, request.remote)
    history = history_for(request.state, repository)
    commit = repository.head() if repository is not None else None
    record = pending_deployment(settings, commit, state, _store_name(settings))
    history.record(record)
    history.push()
    return record


def pending_to_apply(request: ApplyRequest, moment: datetime | None = None) -> str:
    """For ``apply --pending``: the id of the newest pending deployment to settle now.

    Raises :class:`NothingPending` (not an error: exit 0) when none is waiting or no
    window is open, and :class:`PolicyError` when the checked-out commit does not contain
    every pending commit."""
    settings = effective_environment(load_config(request.state / CONFIG_FILE),
                                     request.environment)
    repository = open_repository(request.state, request.remote)
    history = history_for(request.state, repository)
    if repository is not None and request.remote is not None:
        history.fetch()
    pending = waiting(history, repository, request.environment)
    if not pending:
        raise NothingPending(f"no deployment of {request.environment} is pending")
    state = window_state(settings, moment)
    if not state.inside:
        raise NothingPending(
            f"{len(pending)} deployment(s) of {request.environment} pending; "
            + state.describe(request.environment)
        )
    commit = repository.head() if repository is not None else None
    behind = contains_all(repository, commit, pending)
    if behind:
        raise PolicyError(
            "the checked-out commit does not contain the pending deployment(s) "
            + ", ".join(f"{p.id} ({(p.commit or '?')[:12]})" for p in behind),
            hint="check out the main branch's latest commit",
        )
    return pending[-1].id


class NothingPending(Exception):
    """``apply --pending`` has nothing to do now (the message says why)."""


def _store_name(settings: EffectiveEnvironment) -> str:
    backend = settings.backend
    return backend.store_hash if isinstance(backend, StoreBackend) else backend.sandbox
