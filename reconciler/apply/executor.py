"""Executing a plan's changes through the adapters, in dependency waves.

A *wave* is the changes of one kind and one action, in plan order (creates and updates
kind by kind in apply order, then deletes in reverse; :mod:`reconciler.plan.ordering`).
Each wave is one :meth:`Adapter.write` call, which sends the largest batches the
endpoint takes; the live client keeps the requests under the store's quota. Before a
wave, every change whose dependencies failed earlier is *skipped*
(:mod:`reconciler.apply.dependencies`); blocked changes (``protect: true``) are skipped
with their reason. Every change ends with exactly one :class:`ItemResult`.

An adapter that raises instead of returning results (an auth error, a bug) fails its
whole wave with that message; later waves still run, so independent items go on.

Before each wave the executor asks ``halt`` whether it may still write (the apply
renews its lock there, and checks that the store still answers); once it may not, the
wave and every later one end as *skipped*, ``not applied: <why>``.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from reconciler.adapters.base import ItemResult, LiveContext
from reconciler.adapters.registry import adapter_for
from reconciler.apply.dependencies import FailureLedger
from reconciler.errors import LiveError, StagingProError
from reconciler.plan.model import Change


class ApplyProgress(Protocol):
    """Told about the apply as it goes (a progress bar)."""

    def wave_started(self, kind: str, action: str, count: int) -> None: ...

    def items_done(self, results: Sequence[ItemResult]) -> None: ...


@dataclass(frozen=True)
class Wave:
    """The changes of one kind and action, written with one adapter call."""

    kind: str
    action: str
    changes: tuple[Change, ...]


def waves_of(changes: Sequence[Change]) -> list[Wave]:
    """``changes`` (in plan order) cut into consecutive runs of one kind and action."""
    waves: list[Wave] = []
    run: list[Change] = []
    for change in changes:
        if run and (run[0].kind, run[0].action) != (change.kind, change.action):
            waves.append(Wave(run[0].kind, run[0].action, tuple(run)))
            run = []
        run.append(change)
    if run:
        waves.append(Wave(run[0].kind, run[0].action, tuple(run)))
    return waves


def skipped(change: Change, why: str) -> ItemResult:
    """The result of a change that was not attempted."""
    return ItemResult(change.kind, change.key, change.action, "skipped", message=why)


def _failed(change: Change, error: Exception) -> ItemResult:
    detail = error.detail if isinstance(error, LiveError) else None
    message = error.message if isinstance(error, StagingProError) else repr(error)
    return ItemResult(change.kind, change.key, change.action, "failed", message, detail)


Halt = Callable[[], Awaitable[str | None]]
"""Asked before each wave: why no more may be written (``None``: go on)."""
NOT_APPLIED = "not applied: "
"""How the message of a change left out when the apply stopped early begins."""


@dataclass
class WaveTiming:
    """How long one wave took, for the deployment record."""

    kind: str
    action: str
    changes: int
    seconds: float


async def execute(
    ctx: LiveContext,
    changes: Sequence[Change],
    *,
    progress: ApplyProgress | None = None,
    timings: list[WaveTiming] | None = None,
    halt: Halt | None = None,
) -> list[ItemResult]:
    """Apply ``changes`` (plan order) and return one result per change, in that order."""
    ledger = FailureLedger()
    results: dict[int, ItemResult] = {}
    position = {id(change): index for index, change in enumerate(changes)}
    stopped: str | None = None
    for wave in waves_of(changes):
        ready: list[Change] = []
        held: list[ItemResult] = []
        if stopped is None and halt is not None and any(not c.blocked for c in wave.changes):
            stopped = await halt()
        for change in wave.changes:
            why = change.blocked and f"blocked: {change.blocked}"
            why = why or (stopped and f"{NOT_APPLIED}{stopped}") or ledger.blocker(change)
            if why:
                results[position[id(change)]] = skipped(change, why)
                held.append(results[position[id(change)]])
                if not change.blocked:
                    ledger.record(change)
            else:
                ready.append(change)
        if progress is not None:
            progress.wave_started(wave.kind, wave.action, len(wave.changes))
            progress.items_done(held)
        if not ready:
            continue
        started = time.perf_counter()
        written = await _write(ctx, wave.kind, ready)
        if timings is not None:
            timings.append(
                WaveTiming(wave.kind, wave.action, len(ready), time.perf_counter() - started)
            )
        for change, result in zip(ready, written, strict=True):
            results[position[id(change)]] = result
            if result.outcome != "applied":
                ledger.record(change)
        if progress is not None:
            progress.items_done(written)
    return [results[index] for index in range(len(changes))]


async def _write(ctx: LiveContext, kind: str, ready: list[Change]) -> list[ItemResult]:
    try:
        written = await adapter_for(kind).write(ctx, ready)
    except (StagingProError, OSError, ValueError, KeyError, TypeError) as error:
        # An adapter should answer per item; when one raises, its whole wave failed.
        return [_failed(change, error) for change in ready]
    if len(written) != len(ready):
        problem = RuntimeError(
            f"the {kind} adapter answered {len(written)} results for {len(ready)} changes"
        )
        return [_failed(change, problem) for change in ready]
    return written
