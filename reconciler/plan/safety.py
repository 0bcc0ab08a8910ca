"""Safety thresholds: the share of a kind's live items a plan may update or delete.

Per kind, once the store holds at least ``min_items`` of it, a plan that updates more
than ``max_update_share`` or deletes more than ``max_delete_share`` of them is blocked
(exit 4) unless forced with a recorded reason (``--force REASON``). Blocked deletes
(``protect: true``) do not count: they will not happen. The shares are of *all* live
items of the kind the store has, also when ``--only`` narrows the plan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from reconciler.config import Safety as Thresholds
from reconciler.kinds.registry import kind_named
from reconciler.plan.model import Change, KindSafety, Safety


def kind_safety(
    kind: str, live_items: int, updates: int, deletes: int, thresholds: Thresholds, plural: str
) -> KindSafety:
    """The verdict for one kind."""
    violations: list[str] = []
    if live_items >= thresholds.min_items and live_items > 0:
        for action, count, limit in (
            ("update", updates, thresholds.max_update_share),
            ("delete", deletes, thresholds.max_delete_share),
        ):
            share = count / live_items
            if share > limit:
                violations.append(
                    f"would {action} {count} of {live_items} {plural} ({share:.0%}),"
                    f" more than the {limit:.0%} allowed"
                )
    return KindSafety(
        kind=kind,
        live_items=live_items,
        updates=updates,
        deletes=deletes,
        max_update_share=thresholds.max_update_share,
        max_delete_share=thresholds.max_delete_share,
        min_items=thresholds.min_items,
        violations=tuple(violations),
    )


def verdict(kinds: Mapping[str, KindSafety], force_reason: str | None) -> Safety:
    """The plan's safety: every kind's verdict, and the reason it was forced, if it was."""
    reason = force_reason.strip() if force_reason else None
    return Safety(kinds=tuple(kinds.values()), forced_reason=reason or None)


def recount(safety: Safety, changes: Sequence[Change]) -> Safety:
    """The verdict for part of a plan, ``changes``: the same kinds, store sizes, thresholds
    and reason as ``safety``, counting only these changes (applying the reviewed part of a
    plan must not be blocked by changes it leaves out)."""
    kinds: dict[str, KindSafety] = {}
    for kind in safety.kinds:
        mine = [c for c in changes if c.kind == kind.kind and c.blocked is None]
        kinds[kind.kind] = kind_safety(
            kind.kind,
            kind.live_items,
            sum(1 for c in mine if c.action == "update"),
            sum(1 for c in mine if c.action == "delete"),
            Thresholds(
                max_update_share=kind.max_update_share,
                max_delete_share=kind.max_delete_share,
                min_items=kind.min_items,
            ),
            kind_named(kind.kind).plural.replace("_", " "),
        )
    return Safety(kinds=tuple(kinds.values()), forced_reason=safety.forced_reason)
