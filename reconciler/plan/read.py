"""Reading the live state of one store for a plan: every adapter, in dependency order.

:func:`read_live` runs the adapter (:func:`reconciler.adapters.registry.adapter_for`) of
every kind the plan covers *and of every kind those depend on* (``Kind.depends_on``,
transitively): products refer to brands and categories by name, and the product adapter
translates ``brand_id`` into a brand name through the :class:`IdMaps` the brand adapter
filled. Kinds are read in levels: a kind runs once all its dependencies have been read,
and the kinds of one level run concurrently (the client paces their requests against the
store's rate limit). The store's ``/v2/store`` (currency) is read alongside the first
level. Reading never writes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from reconciler.adapters.base import IdMaps, LiveContext, LiveItem
from reconciler.adapters.registry import adapter_for
from reconciler.config import EffectiveEnvironment, SandboxBackend
from reconciler.errors import AuthError
from reconciler.kinds.base import Kind
from reconciler.kinds.registry import KINDS, kind_named
from reconciler.live.client import LiveClient
from reconciler.plan.build import StoreInfo


class ReadProgress(Protocol):
    """Told when each kind starts and ends being read (for a progress display)."""

    def kind_started(self, kind: Kind[Any]) -> None: ...

    def kind_finished(self, kind: Kind[Any], items: int) -> None: ...


@dataclass
class LiveRead:
    """What :func:`read_live` read: live items by kind (then match key), store details,
    the id maps the adapters filled (what a following write needs), and seconds spent
    per kind (wall time, overlapping for concurrent kinds)."""

    items: dict[str, Mapping[str, LiveItem]]
    store: StoreInfo
    ids: IdMaps = field(default_factory=IdMaps)
    seconds: dict[str, float] = field(default_factory=dict)


def kinds_to_read(kinds: Sequence[Kind[Any]], all_kinds: Sequence[Kind[Any]] = KINDS) -> list[
    Kind[Any]
]:
    """``kinds`` plus every kind they depend on, transitively, in apply order."""
    wanted: set[str] = set()
    stack = [kind.name for kind in kinds]
    while stack:
        name = stack.pop()
        if name not in wanted:
            wanted.add(name)
            stack.extend(kind_named(name).depends_on)
    return [kind for kind in all_kinds if kind.name in wanted]


def read_levels(kinds: Sequence[Kind[Any]]) -> list[list[Kind[Any]]]:
    """``kinds`` grouped so every kind comes after the kinds it depends on; kinds of one
    group do not depend on each other."""
    names = {kind.name for kind in kinds}
    done: set[str] = set()
    levels: list[list[Kind[Any]]] = []
    remaining = list(kinds)
    while remaining:
        level = [k for k in remaining if all(d in done or d not in names for d in k.depends_on)]
        if not level:  # a cycle cannot be declared in the registry; keep going in order
            level = remaining[:1]
        levels.append(level)
        done.update(kind.name for kind in level)
        remaining = [k for k in remaining if k not in level]
    return levels


def store_label(environment: EffectiveEnvironment) -> str:
    """The store a plan is for: the store hash, or ``sandbox:<name>``."""
    backend = environment.backend
    if isinstance(backend, SandboxBackend):
        return f"sandbox:{backend.sandbox}"
    return backend.store_hash


async def read_store_info(client: LiveClient, environment: EffectiveEnvironment) -> StoreInfo:
    """The store's currency from ``/v2/store``; without it when the token may not read it."""
    try:
        body = await client.get("/v2/store")
    except AuthError as error:
        if error.detail is not None and error.detail.status == 403:
            return StoreInfo(store=store_label(environment))
        raise
    info = body if isinstance(body, Mapping) else {}
    return StoreInfo(
        store=store_label(environment),
        currency=str(info.get("currency") or ""),
        currency_symbol=str(info.get("currency_symbol") or ""),
    )


async def read_live(
    client: LiveClient,
    environment: EffectiveEnvironment,
    kinds: Sequence[Kind[Any]],
    declared_keys: Mapping[str, frozenset[str]] | None = None,
    declared_fields: Mapping[str, Mapping[str, frozenset[str]]] | None = None,
    *,
    progress: ReadProgress | None = None,
) -> LiveRead:
    """The live items of ``kinds`` (and of the kinds they depend on; module docstring).

    ``declared_keys`` (match keys by kind) and ``declared_fields`` (the fields each of them
    declares; :mod:`reconciler.plan.scope`) let adapters fetch details only where the
    declared state needs them.
    """
    context = LiveContext(
        client=client,
        ids=IdMaps(),
        environment=environment,
        declared_keys=dict(declared_keys or {}),
        declared_fields=dict(declared_fields or {}),
    )
    result = LiveRead(items={}, store=StoreInfo(store=store_label(environment)), ids=context.ids)

    async def one(kind: Kind[Any]) -> None:
        adapter = adapter_for(kind.name)
        if progress is not None:
            progress.kind_started(kind)
        started = time.perf_counter()
        items = await adapter.read(context)
        result.seconds[kind.name] = time.perf_counter() - started
        result.items[kind.name] = items
        if progress is not None:
            progress.kind_finished(kind, len(items))

    async def store() -> None:
        result.store = await read_store_info(client, environment)

    for index, level in enumerate(read_levels(kinds_to_read(kinds))):
        jobs = [one(kind) for kind in level]
        if index == 0:
            jobs.append(store())
        await asyncio.gather(*jobs)
    return result
