"""The record of one apply: a :class:`Deployment`, and who and where made it.

A deployment keeps everything needed to account for an apply afterwards and to undo it:
the environment and store, the commit the declared state came from (and whether the
work tree had uncommitted changes), who ran it and where (the CI run), the plan's
checksum, the forced reason, timings, and one :class:`ItemRecord` per change — its
outcome, BigCommerce's status and message when it failed, the store ids after the write,
and the *before* values of every field it changed (what the store had).

Deployments are stored by :mod:`reconciler.apply.history`; their JSON shape is
``{"type": "deployment", "version": 1, ...}``, one line per record. An apply records its
deployment twice: ``status: unfinished`` (no items yet) just before its first write, and
the final record, with the same id, when it ends. A deployment whose only record is the
first one is still running, or was interrupted (a killed runner, a lost machine): history
shows it as ``unfinished`` instead of losing it. Both records list what the apply
planned (``planned``: kind, key and action of each change), so the next apply knows
which work it resumes (:mod:`reconciler.apply.resume`).
"""

from __future__ import annotations

import getpass
import os
import secrets
import socket
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from reconciler.adapters.base import ItemResult
from reconciler.plan.model import ABSENT, Change

RECORD_VERSION = 1
PlannedItem = tuple[str, str, str]
"""``(kind, key, action)`` of one planned change."""
Status = Literal[
    "succeeded", "partial", "failed", "no-changes", "lock-broken", "unfinished",
    "verified", "verify-failed", "pending",
]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def actor() -> str:
    """Who is running StagingPro: ``$STAGINGPRO_ACTOR``, the GitHub actor in Actions, or
    the local user name."""
    for variable in ("STAGINGPRO_ACTOR", "GITHUB_ACTOR"):
        value = os.environ.get(variable, "").strip()
        if value:
            return value
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def where() -> str:
    """Where it runs: the GitHub Actions run URL when there is one, else ``host:pid``."""
    server, repository, run = (
        os.environ.get(name, "")
        for name in ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID")
    )
    if server and repository and run:
        return f"{server}/{repository}/actions/runs/{run}"
    return f"{socket.gethostname()}:{os.getpid()}"


def new_id(environment: str) -> str:
    """A deployment id that sorts by time: ``staging-20261126T070512Z-3fa1``."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{environment}-{stamp}-{secrets.token_hex(2)}"


@dataclass(frozen=True)
class ItemRecord:
    """One change's outcome (see the module docstring)."""

    kind: str
    key: str
    action: str
    outcome: str
    message: str = ""
    status: int | None = None
    errors: Mapping[str, str] = field(default_factory=dict)
    ids: Mapping[str, Any] = field(default_factory=dict)
    before: tuple[tuple[list[str | int], Any], ...] = ()
    """``(path, value)`` of every changed field as the store had it (creates: none)."""

    @classmethod
    def of(cls, change: Change, result: ItemResult) -> ItemRecord:
        detail = result.detail
        return cls(
            kind=result.kind,
            key=result.key,
            action=result.action,
            outcome=result.outcome,
            message=result.message,
            status=detail.status if detail is not None else None,
            errors=dict(detail.errors) if detail is not None else {},
            ids=dict(result.ids),
            before=tuple(
                (list(f.path), f.before) for f in change.fields if f.before is not ABSENT
            ),
        )

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["before"] = [[path, value] for path, value in self.before]
        return data

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> ItemRecord:
        return cls(
            kind=str(data["kind"]),
            key=str(data["key"]),
            action=str(data["action"]),
            outcome=str(data["outcome"]),
            message=str(data.get("message", "")),
            status=data.get("status"),
            errors=dict(data.get("errors") or {}),
            ids=dict(data.get("ids") or {}),
            before=tuple((list(p), v) for p, v in data.get("before") or []),
        )


@dataclass(frozen=True)
class Deployment:
    """One apply (or a broken lock, ``status: lock-broken``) as history keeps it;
    ``status: unfinished`` while no final record exists (module docstring)."""

    id: str
    environment: str
    store: str
    commit: str | None
    author: str
    where: str
    started_at: str
    finished_at: str
    status: Status
    plan_checksum: str = ""
    dirty: bool = False
    """The work tree had uncommitted changes to the declared state."""
    operation: str = "apply"
    """``apply``, ``retry`` (of ``origin``), ``rollback`` (to ``origin``), ``unlock``, or
    ``verify`` (the environment's verify command after deployment ``origin``)."""
    origin: str | None = None
    forced_reason: str | None = None
    items: tuple[ItemRecord, ...] = ()
    timings: Mapping[str, float] = field(default_factory=dict)
    requests: int = 0
    note: str = ""
    pull_request: int | None = None
    """The pull request the applied change was merged from, when known
    (``$STAGINGPRO_PULL_REQUEST``, which the apply workflow sets)."""
    planned: tuple[PlannedItem, ...] = ()
    """Every change the apply set out to make (and, when it resumed an interrupted
    deployment, the creates of that one still to be confirmed as StagingPro's)."""

    @property
    def unfinished(self) -> bool:
        """Only the record written before the first write exists: the apply is running,
        or was interrupted, and which of its changes were written is not known."""
        return self.status == "unfinished"

    def counts(self) -> dict[str, int]:
        """``{"applied": n, "failed": n, "skipped": n}``."""
        counts = {"applied": 0, "failed": 0, "skipped": 0}
        for item in self.items:
            counts[item.outcome] = counts.get(item.outcome, 0) + 1
        return counts

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["items"] = [item.to_json() for item in self.items]
        data["timings"] = dict(self.timings)
        data["planned"] = [list(item) for item in self.planned]
        return {"type": "deployment", "version": RECORD_VERSION, **data}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Deployment:
        return cls(
            id=str(data["id"]),
            environment=str(data["environment"]),
            store=str(data.get("store", "")),
            commit=data.get("commit"),
            author=str(data.get("author", "")),
            where=str(data.get("where", "")),
            started_at=str(data.get("started_at", "")),
            finished_at=str(data.get("finished_at", "")),
            status=data.get("status", "failed"),
            plan_checksum=str(data.get("plan_checksum", "")),
            dirty=bool(data.get("dirty", False)),
            operation=str(data.get("operation", "apply")),
            origin=data.get("origin"),
            forced_reason=data.get("forced_reason"),
            items=tuple(ItemRecord.from_json(i) for i in data.get("items") or []),
            timings={str(k): float(v) for k, v in (data.get("timings") or {}).items()},
            requests=int(data.get("requests", 0)),
            note=str(data.get("note", "")),
            pull_request=_pull_request(data.get("pull_request")),
            planned=tuple(
                (str(kind), str(key), str(action))
                for kind, key, action in data.get("planned") or []
            ),
        )


def _pull_request(value: Any) -> int | None:
    """A pull request number from a record or the environment (anything else: none)."""
    text = str(value).strip() if value is not None else ""
    return int(text) if text.isdigit() and 0 < len(text) <= 10 else None


def pull_request_of_run() -> int | None:
    """The pull request this run applies, from ``$STAGINGPRO_PULL_REQUEST``."""
    return _pull_request(os.environ.get("STAGINGPRO_PULL_REQUEST"))


def is_blocked(result: ItemResult) -> bool:
    """A change shown in the plan but never meant to run (``protect: true``)."""
    return result.outcome == "skipped" and result.message.startswith("blocked:")


def status_of(results: Sequence[ItemResult]) -> Status:
    """The deployment's status from its item results (blocked changes do not count)."""
    effective = [r for r in results if not is_blocked(r)]
    if not effective:
        return "no-changes"
    if all(r.outcome == "applied" for r in effective):
        return "succeeded"
    if any(r.outcome == "applied" for r in effective):
        return "partial"
    return "failed"
