"""Reading the store for an apply: the id maps the writes need, and the staleness check.

Unlike planning, apply keeps the :class:`LiveContext` it read with: its
:class:`~reconciler.adapters.base.IdMaps` hold the store ids of every item the writes
refer to (a product's brand and categories), and the adapters add the ids of the items
they create, so a product created later in the same apply finds the brand created
earlier.

A saved plan is checked against the store before anything is written
(:func:`check_fresh`): each item it touches is re-read (:meth:`Adapter.read_keys`, only
those keys for the kinds the plan changes; the kinds those depend on are read whole, since
their ids turn into keys in the touched items' data) and its fingerprint compared with
the one the plan recorded (both without the fields the plan's lifecycle rules leave
alone: a sale since the plan was made does not make it stale); and each store id the plan
carries is checked to be the id of the item with that key (:func:`check_ids`), since the
writes address items by those ids.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.adapters.base import LiveContext, LiveItem
from reconciler.adapters.registry import adapter_for
from reconciler.apply.dependencies import referenced_keys
from reconciler.errors import PlanStaleError
from reconciler.kinds.base import Kind
from reconciler.kinds.registry import kind_named
from reconciler.plan.canonical import canonical_live
from reconciler.plan.lifecycle import filter_for
from reconciler.plan.model import Change, Plan
from reconciler.plan.read import kinds_to_read, read_levels, store_label

LiveItems = dict[str, Mapping[str, LiveItem]]


async def read_all(ctx: LiveContext, kinds: Sequence[Kind[Any]]) -> LiveItems:
    """Every live item of ``kinds`` and of the kinds they depend on, in dependency
    levels; fills ``ctx.ids``."""
    items: LiveItems = {}
    for level in read_levels(kinds_to_read(kinds)):
        for kind in level:
            items[kind.name] = await adapter_for(kind.name).read(ctx)
    return items


async def read_touched(ctx: LiveContext, changes: Sequence[Change]) -> LiveItems:
    """The live items ``changes`` touch or refer to (module docstring); fills ``ctx.ids``."""
    touched: dict[str, set[str]] = {}
    for change in changes:
        kind = kind_named(change.kind)
        touched.setdefault(kind.name, set()).add(kind.match_key(change.key))
    for kind_name, keys in referenced_keys(changes).items():
        touched.setdefault(kind_name, set()).update(keys)
    changed = [kind_named(name) for name in touched]
    items: LiveItems = {}
    for level in read_levels(kinds_to_read(changed)):
        for kind in level:
            adapter = adapter_for(kind.name)
            if kind.name in touched:
                items[kind.name] = await adapter.read_keys(ctx, frozenset(touched[kind.name]))
            else:
                items[kind.name] = await adapter.read(ctx)
    return items


def stale_items(plan: Plan, live: LiveItems) -> list[str]:
    """Why each touched item no longer matches the plan (empty: the plan still holds)."""
    problems: list[str] = []
    for change in plan.changes:
        if change.blocked:
            continue
        kind = kind_named(change.kind)
        current = live.get(kind.name, {}).get(kind.match_key(change.key))
        label = f"{change.kind} {change.key}"
        if change.action == "create":
            if current is not None:
                problems.append(f"{label} was created in the store since the plan was made")
            continue
        if current is None:
            problems.append(f"{label} is no longer in the store")
        elif filter_for(plan, kind.name).fingerprint(
            canonical_live(kind, current.data)
        ) != change.fingerprint:
            problems.append(f"{label} was changed in the store since the plan was made")
    return problems


def wrong_ids(plan: Plan, live: LiveItems) -> list[str]:
    """Each change whose ``live_ids`` are not the ids of the live item with its key."""
    problems: list[str] = []
    for change in plan.changes:
        if change.blocked:
            continue
        label = f"{change.kind} {change.key}"
        if change.action == "create":
            if change.live_ids:
                problems.append(f"{label}: a create carries store ids {_ids(change.live_ids)}")
            continue
        kind = kind_named(change.kind)
        current = live.get(kind.name, {}).get(kind.match_key(change.key))
        if current is None:
            continue  # stale_items names it
        # Compared as JSON: the plan's ids went through a file, whose object keys are text.
        if _ids(change.live_ids or {}) != _ids(current.ids):
            problems.append(
                f"{label}: the plan names store ids {_ids(change.live_ids or {})}, the store's"
                f" {change.kind} {change.key} has {_ids(current.ids)}"
            )
    return problems


def _ids(ids: Mapping[str, Any]) -> str:
    as_read = json.loads(json.dumps(ids, allow_nan=False))  # integer keys become text
    return json.dumps(as_read, sort_keys=True, separators=(",", ":"))


def check_ids(plan: Plan, live: LiveItems) -> None:
    """Raise :class:`PlanStaleError` unless every store id in ``plan`` is the id of the
    live item with that key: nothing is written to an item the plan does not name."""
    problems = wrong_ids(plan, live)
    if problems:
        shown = "\n".join(f"  {p}" for p in problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise PlanStaleError(
            f"the saved plan's store ids are not those of the items it names"
            f" ({len(problems)} item(s)); nothing was written:\n{shown}{more}",
            hint="the plan was edited, or made for another store: plan again"
            " (stagingpro plan ENV --out plan.json) and review it",
        )


def check_target(plan: Plan, ctx: LiveContext) -> None:
    """Raise :class:`PlanStaleError` when ``plan`` is not for this environment and store."""
    store = store_label(ctx.environment)
    if plan.environment != ctx.environment.name or plan.store != store:
        raise PlanStaleError(
            f"the plan is for {plan.environment} ({plan.store}), not for"
            f" {ctx.environment.name} ({store})",
            hint=f"make a plan for {ctx.environment.name}: stagingpro plan"
            f" {ctx.environment.name} --out plan.json",
        )


def check_fresh(plan: Plan, ctx: LiveContext, live: LiveItems) -> None:
    """Raise :class:`PlanStaleError` when ``plan`` is not for this store or the items it
    touches changed since it was made."""
    check_target(plan, ctx)
    problems = stale_items(plan, live)
    if problems:
        shown = "\n".join(f"  {p}" for p in problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise PlanStaleError(
            f"the saved plan is stale: {len(problems)} item(s) it touches changed in"
            f" {ctx.environment.name} since it was made:\n{shown}{more}",
            hint=f"plan again (stagingpro plan {ctx.environment.name} --out plan.json),"
            " review, and apply the new plan",
        )
