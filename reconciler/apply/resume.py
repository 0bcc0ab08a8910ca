"""Resuming the work an earlier apply did not finish.

An apply killed mid-way (or stopped by a lost lock or an unreachable store) leaves the
store half changed. Applying again re-plans against what the store now has, and that
plan is mostly the earlier one's unfinished work — which must not be refused for its
size, since it was planned (and passed the thresholds, or was forced) already. The
earlier deployment's record lists what it planned (:attr:`Deployment.planned`); the
items of it that are not recorded as applied are its *unsettled* work:

* :func:`resumed_safety`: the safety thresholds count only the changes that are not
  unsettled work (anything new is still checked);
* :func:`mark_resumed`: a create the earlier apply made may have been interrupted
  between the item's request and its ownership marker's; every live item the earlier
  apply planned to create that lacks the marker gets it now, so prune mode ``owned``
  can still delete it later;
* :func:`planned_items`: the new record carries those creates forward until they are
  confirmed marked, so a chain of interrupted applies loses none of them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from reconciler.adapters.base import LiveContext, LiveItem
from reconciler.adapters.ownership import Marked
from reconciler.apply.deployment import Deployment, PlannedItem
from reconciler.apply.history import History
from reconciler.config import Safety as Thresholds
from reconciler.kinds.registry import kind_named
from reconciler.plan.model import Plan, Safety
from reconciler.plan.safety import kind_safety

MARKED = {"product": Marked("products"), "brand": Marked("brands"),
          "category": Marked("categories")}
"""The kinds StagingPro marks as its own when it creates them."""
UNSETTLED = frozenset({"unfinished", "partial", "failed"})


@dataclass(frozen=True)
class Unsettled:
    """The work an earlier deployment left: ``(kind, match key)`` → planned action."""

    deployment: Deployment | None = None
    items: Mapping[tuple[str, str], str] = field(default_factory=dict)

    def covers(self, kind: str, key: str) -> bool:
        return (kind, kind_named(kind).match_key(key)) in self.items

    def creates(self) -> list[tuple[str, str]]:
        return [item for item, action in self.items.items() if action == "create"]


def _match(kind: str, key: str) -> tuple[str, str]:
    return kind, kind_named(kind).match_key(key)


def unsettled(history: History, environment: str) -> Unsettled:
    """What the latest deployment to ``environment`` planned and did not apply."""
    found = [d for d in history.of(environment) if d.status != "lock-broken"]
    if not found or found[-1].status not in UNSETTLED:
        return Unsettled()
    latest = found[-1]
    applied = {_match(i.kind, i.key) for i in latest.items if i.outcome == "applied"}
    items: dict[tuple[str, str], str] = {}
    for kind, key, action in latest.planned:
        match = _match(kind, key)
        if match not in applied and items.get(match) != "create":
            items[match] = action
    return Unsettled(latest, items)


def resumed_safety(plan: Plan, work: Unsettled) -> Safety:
    """``plan``'s safety verdict with the changes that resume ``work`` not counted."""
    if not work.items or not plan.safety.violations:
        return plan.safety
    kinds = []
    for verdict in plan.safety.kinds:
        new = [
            c for c in plan.changes
            if c.kind == verdict.kind and not work.covers(c.kind, c.key)
        ]
        thresholds = Thresholds(
            max_update_share=verdict.max_update_share,
            max_delete_share=verdict.max_delete_share,
            min_items=verdict.min_items,
        )
        kinds.append(kind_safety(
            verdict.kind,
            verdict.live_items,
            sum(1 for c in new if c.action == "update"),
            sum(1 for c in new if c.action == "delete" and c.blocked is None),
            thresholds,
            kind_named(verdict.kind).plural.replace("_", " "),
        ))
    return replace(plan.safety, kinds=tuple(kinds))


def planned_items(plan: Plan, work: Unsettled) -> tuple[PlannedItem, ...]:
    """What a deployment of ``plan`` records as planned: its changes (a change that
    resumes a create of ``work`` keeps the action ``create``), then ``work``'s other
    creates, whose markers are yet to be confirmed."""
    planned: list[PlannedItem] = []
    seen: set[tuple[str, str]] = set()
    for change in plan.changes:
        if change.blocked:
            continue
        match = _match(change.kind, change.key)
        seen.add(match)
        action = "create" if work.items.get(match) == "create" else change.action
        planned.append((change.kind, change.key, action))
    keys = {} if work.deployment is None else {
        _match(kind, key): key for kind, key, _ in work.deployment.planned
    }
    for item in work.creates():
        if item not in seen:
            planned.append((item[0], keys.get(item, item[1]), "create"))
    return tuple(planned)


async def mark_resumed(
    ctx: LiveContext, live: Mapping[str, Mapping[str, LiveItem]], work: Unsettled
) -> tuple[set[tuple[str, str]], list[str]]:
    """Put StagingPro's marker on the live items ``work`` created that lack it (where
    the read knows: products always, brands and categories where pruned ``owned``).
    The ``(kind, match key)`` of ``work``'s creates now confirmed marked, and lines for
    the summary."""
    confirmed: set[tuple[str, str]] = set()
    notes: list[str] = []
    for kind, marked in MARKED.items():
        if kind != "product" and ctx.environment.prune.get(kind) != "owned":
            continue
        items = live.get(kind, {})
        wanted = {match: items[match] for k, match in work.creates()
                  if k == kind and match in items}
        unmarked = {m: item for m, item in wanted.items() if not item.owned}
        confirmed.update((kind, m) for m, item in wanted.items() if item.owned)
        if not unmarked:
            continue
        ids = {int(item.ids["id"]): m for m, item in unmarked.items() if "id" in item.ids}
        failures = await marked.mark(ctx.client, list(ids))
        done = [m for i, m in ids.items() if i not in failures]
        confirmed.update((kind, m) for m in done)
        plural = kind_named(kind).plural.replace("_", " ")
        if done:
            notes.append(f"marked {len(done)} {plural} an interrupted apply created as"
                         " StagingPro's (prune mode 'owned' may delete them)")
        if failures:
            notes.append(f"warning: {len(failures)} {plural} an interrupted apply created"
                         " could not be marked as StagingPro's; applying again retries")
    return confirmed, notes
