"""Which other items a change depends on, so a failure is not followed by doomed writes.

A product whose brand's create failed cannot be written (its ``brand_id`` does not
exist), so it is *skipped*, not attempted. The references come from the kind itself
(:meth:`Kind.references` on the change's values):

* a create or update depends on the items its ``desired`` values refer to;
* a delete is depended on by nothing new, but a failed delete keeps its item — and
  the items *it* refers to (a category its product is still in) — in the store, so a
  delete of one of those is skipped (its ``before`` values name them).

``desired`` is the declared values as the planner resolved them, which may carry values
beside the model's fields (an image's ``sha256``): those are dropped before the model is
built. A value that still does not validate makes the change depend on every failed item
of the kinds its kind depends on — skipping too much is safe, writing a broken reference
is not.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from reconciler.kinds.base import Kind
from reconciler.kinds.registry import kind_named
from reconciler.plan.model import ABSENT, Change

SKU_NAMESPACE = "SKU"
"""The namespace references to product and variant SKUs use (price list records)."""


@dataclass(frozen=True)
class Dependencies:
    """What one change refers to: ``(kind name, match key)`` pairs, SKUs (case-folded),
    and ``unknown`` kinds it may refer to when its values could not be read."""

    items: frozenset[tuple[str, str]] = frozenset()
    skus: frozenset[str] = frozenset()
    unknown: frozenset[str] = frozenset()


def _values(change: Change) -> Mapping[str, Any] | None:
    if change.action == "delete":
        return {
            str(f.path[0]): f.before
            for f in change.fields
            if len(f.path) == 1 and f.before is not ABSENT
        }
    return change.desired


def _drop(data: Any, loc: tuple[int | str, ...]) -> bool:
    node = data
    for part in loc[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return False
    if isinstance(node, dict) and loc and loc[-1] in node:
        del node[loc[-1]]
        return True
    return False


def model_of(kind: Kind[Any], values: Mapping[str, Any]) -> Any | None:
    """The kind's model built from model-shaped values, fields it does not know dropped;
    ``None`` when the values do not validate otherwise."""
    data = copy.deepcopy(dict(values))
    for _ in range(8):
        try:
            return kind.model.model_validate(data)
        except ValidationError as error:
            extras = [e["loc"] for e in error.errors() if e["type"] == "extra_forbidden"]
            if not extras or not all(_drop(data, tuple(loc)) for loc in extras):
                return None
    return None


def dependencies_of(change: Change) -> Dependencies:
    """The items ``change`` refers to (module docstring)."""
    kind = kind_named(change.kind)
    values = _values(change)
    if not values:
        return Dependencies()
    model = model_of(kind, values)
    if model is None:
        return Dependencies(unknown=frozenset(kind.depends_on))
    items: set[tuple[str, str]] = set()
    skus: set[str] = set()
    for reference in kind.references(model):
        if reference.kind == SKU_NAMESPACE:
            skus.add(reference.match or reference.key.casefold())
            continue
        try:
            target = kind_named(reference.kind)
        except Exception:  # a namespace this module does not know: no item to wait for
            continue
        items.add((target.name, target.match_key(reference.key)))
    return Dependencies(frozenset(items), frozenset(skus))


def skus_of(change: Change) -> set[str]:
    """The product and variant SKUs a product change carries (case-folded)."""
    values = _values(change) or {}
    found = {str(values["sku"]).casefold()} if values.get("sku") else set()
    for variant in values.get("variants") or []:
        if isinstance(variant, Mapping) and variant.get("sku"):
            found.add(str(variant["sku"]).casefold())
    return found


@dataclass
class FailureLedger:
    """The items that did not reach their declared state during one apply, to decide
    which later changes must be skipped."""

    items: set[tuple[str, str]] = field(default_factory=set)
    skus: set[str] = field(default_factory=set)
    kinds: set[str] = field(default_factory=set)
    kept: set[tuple[str, str]] = field(default_factory=set)
    """Items a failed delete still refers to (they must not be deleted either)."""

    def record(self, change: Change) -> None:
        """``change`` failed or was skipped."""
        kind = kind_named(change.kind)
        self.kinds.add(kind.name)
        if change.action == "delete":
            self.kept.update(dependencies_of(change).items)
            return
        self.items.add((kind.name, kind.match_key(change.key)))
        if kind.name == "product":
            self.skus.update(skus_of(change))

    def blocker(self, change: Change) -> str | None:
        """Why ``change`` must be skipped, or ``None`` when it may go ahead."""
        kind = kind_named(change.kind)
        if change.action == "delete":
            if (kind.name, kind.match_key(change.key)) in self.kept:
                return "an item that refers to it failed to be deleted"
            return None
        needs = dependencies_of(change)
        for target_kind, match in sorted(needs.items):
            if (target_kind, match) in self.items and (target_kind, match) != (
                kind.name,
                kind.match_key(change.key),
            ):
                return f"it refers to {target_kind} {match!r}, whose change failed"
        for sku in sorted(needs.skus & self.skus):
            return f"it refers to SKU {sku!r}, whose product change failed"
        for depended in sorted(needs.unknown & self.kinds):
            return f"its values could not be read and a {depended} change failed"
        return None


def referenced_keys(changes: Iterable[Change]) -> dict[str, set[str]]:
    """Match keys by kind of every item the changes refer to (for re-reading ids)."""
    wanted: dict[str, set[str]] = {}
    for change in changes:
        for kind_name, match in dependencies_of(change).items:
            wanted.setdefault(kind_name, set()).add(match)
    return wanted
