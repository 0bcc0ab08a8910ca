"""The planner: what applying the declared state to a store would change.

Public API::

    plan_environment(root, environment, ...) -> PlannedEnvironment   # load, read, compute
    compute_plan(declared, live, environment, kinds=..., selection=...) -> Plan   # pure
    read_live(client, environment, kinds, declared_keys) -> LiveRead
    Selection.parse(only, exclude)
    plan_to_json(plan) / plan_from_json(data)

Modules: :mod:`.canonical` (one canonical JSON for both sides), :mod:`.differ` (field
level differences), :mod:`.build` (creates, updates, deletes, prune, protect,
fingerprints), :mod:`.ordering`, :mod:`.safety`, :mod:`.selection`, :mod:`.read` (the
adapters, in dependency order), :mod:`.serialize` and :mod:`.schema` (the versioned
JSON), :mod:`.model` (the :class:`Plan` value). Renderers live in :mod:`reconciler.render`.
"""

from __future__ import annotations

import resource
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from reconciler import running
from reconciler.config import effective_environment
from reconciler.kinds.base import Kind
from reconciler.kinds.registry import KINDS
from reconciler.live.connect import connect
from reconciler.live.stats import ClientStats, ProgressCallback
from reconciler.plan.build import StoreInfo, compute_plan
from reconciler.plan.model import Change, FieldChange, Plan
from reconciler.plan.read import LiveRead, ReadProgress, read_live
from reconciler.plan.scope import declared_scope
from reconciler.plan.selection import EVERYTHING, Selection
from reconciler.plan.serialize import plan_from_json, plan_to_json
from reconciler.state import load_state
from reconciler.state.pinning import pinned_state

__all__ = [
    "Change",
    "FieldChange",
    "LiveRead",
    "Plan",
    "PlannedEnvironment",
    "Selection",
    "StoreInfo",
    "compute_plan",
    "plan_environment",
    "plan_from_json",
    "plan_to_json",
    "read_live",
]


@dataclass
class PlannedEnvironment:
    """A plan and how it was made: the client's request statistics, timings (``load``,
    ``read`` wall seconds; ``plan_cpu`` CPU seconds of :func:`compute_plan`) and the
    process's peak resident memory in MB after each step (``load``, ``read``, ``plan``)."""

    plan: Plan
    stats: ClientStats
    timings: dict[str, float] = field(default_factory=dict)
    peak_rss_mb: dict[str, float] = field(default_factory=dict)


def git_commit(root: Path) -> str | None:
    """The commit checked out in the repository holding ``root``, if it is one."""
    try:
        done = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=10, check=False,
        )
    except OSError:
        return None
    sha = done.stdout.strip()
    return sha if done.returncode == 0 and len(sha) == 40 else None


def plan_environment(
    root: Path,
    environment: str,
    *,
    selection: Selection = EVERYTHING,
    force_reason: str | None = None,
    sandbox_db: Path | str | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    kinds: tuple[Kind[Any], ...] = KINDS,
    on_request: ProgressCallback | None = None,
    progress: ReadProgress | None = None,
) -> PlannedEnvironment:
    """Plan ``environment``: load its declared state under ``root``, read its store, and
    compute the plan (nothing is written to the store).

    Raises :class:`~reconciler.errors.StateError` for bad YAML,
    :class:`~reconciler.errors.ConfigError` for an unknown environment or selection, and
    :class:`~reconciler.errors.LiveError` when the store cannot be read.
    """
    started = time.perf_counter()
    declared = load_state(root, environment)
    settings = effective_environment(declared.config, environment)
    if settings.pinned is not None:  # held at an earlier commit (rollback of ENV alone)
        declared = load_state(pinned_state(root, environment, settings.pinned), environment)
    timings = {"load": time.perf_counter() - started}
    peaks = {"load": _peak_rss_mb()}
    covered = selection.kinds(kinds)
    scope = declared_scope(declared, selection, covered)
    declared_keys = scope.keys
    # A kind with nothing declared and pruning off cannot change: it is read only when
    # a kind that is read depends on it.
    needed = [
        kind for kind in covered
        if declared_keys[kind.name] or settings.prune.get(kind.name, "off") != "off"
    ]
    client = connect(
        environment, settings, sandbox_db=sandbox_db, transport=transport,
        progress=on_request, access="read",
    )

    async def read() -> LiveRead:
        async with client:
            return await read_live(
                client, settings, needed, declared_keys, scope.fields, progress=progress
            )

    started = time.perf_counter()
    live = running.run(read())
    timings["read"] = time.perf_counter() - started
    peaks["read"] = _peak_rss_mb()
    cpu = time.process_time()
    plan = compute_plan(
        declared,
        live.items,
        settings,
        kinds=kinds,
        selection=selection,
        force_reason=force_reason,
        store=live.store,
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        commit=git_commit(root),
    )
    timings["plan_cpu"] = time.process_time() - cpu
    peaks["plan"] = _peak_rss_mb()
    return PlannedEnvironment(plan=plan, stats=client.stats, timings=timings, peak_rss_mb=peaks)


def _peak_rss_mb() -> float:
    """This process's peak resident memory so far, in MB.

    Read from ``VmHWM`` where Linux gives it: ``ru_maxrss`` also counts, after an
    ``exec``, the memory of the process that forked this one (a benchmark's parent, a CI
    runner), so it can read far above what the planner itself used.
    """
    try:
        with Path("/proc/self/status").open(encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    # ru_maxrss is in kilobytes on Linux (bytes on macOS, where this reads high).
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
