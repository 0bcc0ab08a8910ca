"""Leaving declared fields alone, by an environment's ``lifecycle`` rules.

The rules come from ``stagingpro.yaml`` (:mod:`reconciler.lifecycle_settings`): per
kind, dotted paths (``variants.*.inventory_level``) that are ``create_only`` (sent when
an item or a list entry is created, never compared afterwards) or ``ignore`` (never
sent, never compared). The planner (:mod:`reconciler.plan.build`) asks a
:class:`FieldFilter`:

* :meth:`FieldFilter.sendable` — the declared item without ignored fields: what a create
  or an update may write;
* :meth:`FieldFilter.split` — the field changes of an update to keep, and those left
  alone (recorded in the plan as :class:`~reconciler.plan.model.LeftAlone`). A change
  *above* a rule's path (a whole new variant) is kept, so a create_only value is still
  sent when its list entry is created;
* :meth:`FieldFilter.fingerprint` — a live item's fingerprint without the fields left
  alone, so a sale between plan and apply does not make an update or delete stale.
  Apply rebuilds the filter from the rules the plan recorded (:func:`filter_for`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from reconciler.lifecycle_settings import FieldLifecycle
from reconciler.plan.canonical import WILDCARD, Pattern, fingerprint
from reconciler.plan.model import FieldChange, KindLifecycle, LeftAlone, PathPart, Plan, Rule


def _patterns(paths: Sequence[str]) -> tuple[Pattern, ...]:
    return tuple(tuple(path.split(".")) for path in paths)


def _at_or_below(path: Sequence[PathPart], pattern: Pattern) -> bool:
    """Whether ``path`` (a field change's) is the pattern's field or inside it."""
    return len(path) >= len(pattern) and all(
        step == WILDCARD or str(part) == step for part, step in zip(path, pattern, strict=False)
    )


def _remainders(path: Sequence[PathPart], patterns: Sequence[Pattern]) -> list[Pattern]:
    """What is left of each pattern that reaches below ``path``."""
    return [
        pattern[len(path):] for pattern in patterns
        if len(pattern) > len(path) and _at_or_below(path, pattern[:len(path)])
    ]


def strip(value: Any, patterns: Sequence[Pattern]) -> Any:
    """``value`` without what ``patterns`` name (copies only what changes)."""
    if not patterns:
        return value
    if isinstance(value, Mapping):
        result = {}
        for name, inner in value.items():
            below = [p[1:] for p in patterns if p[0] == name]
            if any(not rest for rest in below):
                continue
            result[name] = strip(inner, below) if below else inner
        return result
    if isinstance(value, list):
        below = [p[1:] for p in patterns if p[0] == WILDCARD and len(p) > 1]
        return [strip(entry, below) for entry in value] if below else value
    return value


def _declares(value: Any, pattern: Pattern) -> bool:
    if not pattern:
        return value is not None
    if isinstance(value, Mapping):
        return pattern[0] in value and _declares(value[pattern[0]], pattern[1:])
    if isinstance(value, list) and pattern[0] == WILDCARD:
        return any(_declares(entry, pattern[1:]) for entry in value)
    return False


@dataclass(frozen=True)
class FieldFilter:
    """One kind's lifecycle rules, compiled (module docstring)."""

    kind: str
    rules: FieldLifecycle

    @cached_property
    def create_only(self) -> tuple[Pattern, ...]:
        return _patterns(self.rules.create_only)

    @cached_property
    def ignore(self) -> tuple[Pattern, ...]:
        return _patterns(self.rules.ignore)

    def __bool__(self) -> bool:
        return bool(self.rules)

    def sendable(self, desired: dict[str, Any]) -> dict[str, Any]:
        """The declared item without its ignored fields."""
        stripped: dict[str, Any] = strip(desired, self.ignore)
        return stripped

    def declares_any(self, desired: Mapping[str, Any]) -> bool:
        """Whether the declared item sets a field these rules leave alone."""
        return any(_declares(desired, p) for p in (*self.create_only, *self.ignore))

    def rule_for(self, path: Sequence[PathPart]) -> Rule | None:
        """The rule leaving the value at ``path`` alone after create, if any."""
        if any(_at_or_below(path, p) for p in self.ignore):
            return "ignore"
        if any(_at_or_below(path, p) for p in self.create_only):
            return "create_only"
        return None

    def split(
        self, key: str, fields: Sequence[FieldChange]
    ) -> tuple[list[FieldChange], list[LeftAlone]]:
        """An update's field changes: those to apply (ignored fields taken out of a whole
        new entry) and those left alone."""
        kept: list[FieldChange] = []
        left: list[LeftAlone] = []
        ignore = self.ignore
        for change in fields:
            rule = self.rule_for(change.path)
            if rule is not None:
                left.append(LeftAlone(self.kind, key, change.path, rule, change.before,
                                      change.after))
                continue
            below = _remainders(change.path, ignore)
            if below:
                change = FieldChange(change.path, change.before, strip(change.after, below))
            kept.append(change)
        return kept, left

    def fingerprint(self, live: Mapping[str, Any]) -> str:
        """sha256 of a live item's canonical data (:func:`canonical_live`) without the
        fields left alone."""
        return fingerprint(strip(live, (*self.create_only, *self.ignore)))

    def record(self, declared_by: int) -> KindLifecycle:
        """The rules as the plan records them."""
        return KindLifecycle(self.kind, self.rules.create_only, self.rules.ignore, declared_by)


def filter_of(kind: str, rules: Mapping[str, FieldLifecycle]) -> FieldFilter:
    """The filter of ``kind`` under an environment's effective rules."""
    return FieldFilter(kind, rules.get(kind, FieldLifecycle()))


def filter_for(plan: Plan, kind: str) -> FieldFilter:
    """The filter of ``kind`` under the rules ``plan`` recorded (what apply checks with)."""
    for recorded in plan.lifecycle:
        if recorded.kind == kind:
            return FieldFilter(kind, FieldLifecycle(recorded.create_only, recorded.ignore))
    return FieldFilter(kind, FieldLifecycle())
