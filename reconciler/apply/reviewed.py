"""The reviewed part of a fresh plan: what ``apply --reviewed plan.json`` applies.

A pull request's plan is reviewed against the store as it was then; by the time it is
merged, another pull request may have been merged (and not yet applied), and the store
has moved on. The merge applies a *fresh* plan, narrowed to what was reviewed:

* a fresh change identical to a reviewed one (same kind, key and action, same field
  changes and desired values, same ids and fingerprint of the live item it touches;
  :func:`~reconciler.plan.serialize.change_identity`) is applied;
* a fresh change the reviewed plan does not have is **not reviewed, not applied**: it is
  listed, and applied by its own pull request's merge;
* a reviewed change the fresh plan no longer has needs nothing any more (the item is
  already as declared, e.g. a re-run after it was applied): listed, not an error;
* a reviewed item whose fresh change differs — the item changed in the store since the
  review, or its declaration changed — refuses the whole apply (:class:`PlanStaleError`,
  exit 1), naming each such item and what differs: nobody reviewed what would be written.

``apply --checksum SHA`` alone cannot do this (a checksum says *whether* the change set
is the reviewed one, not *which* changes were reviewed): when the fresh plan's checksum
differs it refuses and points at ``--reviewed``. ``apply --plan`` applies a saved plan
exactly, with no fresh plan at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from reconciler.errors import PlanStaleError
from reconciler.kinds.registry import kind_named
from reconciler.plan.model import Change, Plan
from reconciler.plan.safety import recount
from reconciler.plan.serialize import change_identity

SHOWN = 20
"""How many items a list in a message shows before "… and N more"."""


@dataclass(frozen=True)
class ReviewedPart:
    """A fresh plan narrowed to its reviewed changes (module docstring)."""

    plan: Plan
    """The fresh plan with only the changes identical to reviewed ones (safety recounted)."""
    unreviewed: tuple[Change, ...] = ()
    """Fresh changes the reviewed plan does not have: not applied."""
    settled: tuple[Change, ...] = ()
    """Reviewed changes the fresh plan no longer needs: the item is as declared already."""

    def notes(self) -> list[str]:
        """Lines for the apply's summary."""
        lines = _listed(
            "not reviewed, not applied (its own pull request's apply makes it)",
            self.unreviewed,
        )
        lines += _listed("reviewed, nothing left to do (already as declared)", self.settled)
        return lines


def _label(change: Change) -> str:
    return f"{change.action} {change.kind} {change.key}"


def _listed(heading: str, changes: Sequence[Change]) -> list[str]:
    if not changes:
        return []
    lines = [f"{len(changes)} change(s) {heading}:"]
    lines += [f"  {_label(c)}" for c in changes[:SHOWN]]
    if len(changes) > SHOWN:
        lines.append(f"  … and {len(changes) - SHOWN} more")
    return lines


def _item(change: Change) -> tuple[str, str]:
    return change.kind, kind_named(change.kind).match_key(change.key)


def what_differs(reviewed: Change, fresh: Change) -> str:
    """Why ``fresh`` is not the ``reviewed`` change of the same item, in words."""
    label = f"{reviewed.kind} {reviewed.key}"
    if reviewed.action != fresh.action:
        return (f"{label}: the reviewed plan would {reviewed.action} it, the plan now would"
                f" {fresh.action} it")
    if reviewed.blocked != fresh.blocked:
        was = reviewed.blocked or "not blocked"
        return f"{label}: was {was!r} when reviewed, now {fresh.blocked or 'not blocked'!r}"
    if reviewed.fingerprint != fresh.fingerprint or reviewed.live_ids != fresh.live_ids:
        return f"{label} was changed in the store since the review"
    before = {f.path: (f.before, f.after) for f in reviewed.fields}
    after = {f.path: (f.before, f.after) for f in fresh.fields}
    paths = sorted(
        {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}, key=str
    )
    if paths:
        shown = ", ".join(".".join(str(part) for part in path) for path in paths[:5])
        return f"{label}: its change differs from the reviewed one ({shown})"
    return f"{label}: its declared values differ from the reviewed ones"


def reviewed_part(reviewed: Plan, fresh: Plan) -> ReviewedPart:
    """``fresh`` narrowed to the changes of ``reviewed`` (module docstring).

    Raises :class:`PlanStaleError` naming every item the reviewed plan changes whose fresh
    change differs. The caller checks ``reviewed`` is for the same environment and store.
    """
    wanted = {_item(c): c for c in reviewed.changes}
    applied: list[Change] = []
    unreviewed: list[Change] = []
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for change in fresh.changes:
        item = _item(change)
        match = wanted.get(item)
        if match is None:
            unreviewed.append(change)
            continue
        seen.add(item)
        if change_identity(change) == change_identity(match):
            applied.append(change)
        else:
            problems.append(what_differs(match, change))
    if problems:
        shown = "\n".join(f"  {p}" for p in problems[:SHOWN])
        more = f"\n  … and {len(problems) - SHOWN} more" if len(problems) > SHOWN else ""
        raise PlanStaleError(
            f"{len(problems)} item(s) the reviewed plan changes in {fresh.environment} changed"
            f" since the review:\n{shown}{more}",
            hint=f"plan again (stagingpro plan {fresh.environment}), review the new plan,"
            " and apply that one",
        )
    settled = tuple(
        c for item, c in wanted.items() if item not in seen and c.blocked is None
    )
    narrowed = dataclasses.replace(
        fresh, changes=tuple(applied), safety=recount(fresh.safety, applied)
    )
    return ReviewedPart(narrowed, tuple(unreviewed), settled)
