"""What the declared state asks the adapters to read: keys, and the fields each item declares.

Adapters read some details only where the declared state needs them (product options and
modifiers cost a request per 10 products; price-list records per list). Plan and apply must
ask for exactly the same details, or a plan's per-item fingerprints would not match what
apply re-reads. So both derive the scope here: :func:`declared_scope` from a loaded
:class:`~reconciler.state.DeclaredState` (plan, and apply without a saved plan), and
:func:`plan_scope` from a saved :class:`~reconciler.plan.model.Plan` (whose changes carry
the declared values in ``desired``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.kinds.base import Kind
from reconciler.kinds.registry import kind_named
from reconciler.plan.model import Plan
from reconciler.plan.selection import Selection
from reconciler.state import DeclaredState


@dataclass(frozen=True)
class DeclaredScope:
    """``keys``: match keys of the declared items, by kind name; ``fields``: the top-level
    fields each of them declares (``fields[kind][match_key]``)."""

    keys: Mapping[str, frozenset[str]] = field(default_factory=dict)
    fields: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)


def declared_scope(
    declared: DeclaredState, selection: Selection, kinds: Iterable[Kind[Any]]
) -> DeclaredScope:
    """The scope of the selected declared items of ``kinds``."""
    keys: dict[str, frozenset[str]] = {}
    fields: dict[str, dict[str, frozenset[str]]] = {}
    for kind in kinds:
        selected = {
            match: item
            for match, item in declared.items.get(kind.name, {}).items()
            if selection.selects(kind, item.key)
        }
        keys[kind.name] = frozenset(selected)
        fields[kind.name] = {
            match: frozenset(item.model.model_fields_set) for match, item in selected.items()
        }
    return DeclaredScope(keys, fields)


def plan_scope(plan: Plan) -> DeclaredScope:
    """The scope the planner saw for the items a plan creates or updates (deletes are of
    undeclared items), so a re-read gives the same data."""
    keys: dict[str, set[str]] = {}
    fields: dict[str, dict[str, frozenset[str]]] = {}
    for change in plan.changes:
        if change.action == "delete":
            continue
        kind = kind_named(change.kind)
        match = kind.match_key(change.key)
        keys.setdefault(kind.name, set()).add(match)
        fields.setdefault(kind.name, {})[match] = frozenset(change.desired or {})
    return DeclaredScope({name: frozenset(found) for name, found in keys.items()}, fields)
