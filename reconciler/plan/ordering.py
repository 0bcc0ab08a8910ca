"""The order of a plan's changes, as data: phase → kind rank → action → key.

Creates and updates come first, kind by kind in dependency order (brands and categories
before products, products before price lists …; :data:`reconciler.kinds.registry.KINDS`),
creates before updates within a kind, keys in order (a parent category's path sorts
before its children's). Deletes come last, in the reverse order: kinds that depend on
others first, keys in reverse (children before parents).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from reconciler.kinds.base import Kind
from reconciler.plan.model import Change

PHASES = {"create": 0, "update": 0, "delete": 1}
ACTIONS = {"create": 0, "update": 1, "delete": 2}


class _Reversed(str):
    """A string that sorts in reverse order."""

    __slots__ = ()

    def __lt__(self, other: str) -> bool:
        return str.__gt__(self, other)

    def __gt__(self, other: str) -> bool:
        return str.__lt__(self, other)


def order_key(change: Change, ranks: dict[str, int]) -> tuple[int, int, int, str]:
    """The sort key of ``change`` given each kind's rank in apply order."""
    rank = ranks.get(change.kind, len(ranks))
    if change.action == "delete":
        return (1, -rank, ACTIONS["delete"], _Reversed(change.key))
    return (0, rank, ACTIONS[change.action], change.key)


def ordered(changes: Iterable[Change], kinds: Sequence[Kind[Any]]) -> tuple[Change, ...]:
    """``changes`` in plan order (module docstring)."""
    ranks = {kind.name: index for index, kind in enumerate(kinds)}
    return tuple(sorted(changes, key=lambda change: order_key(change, ranks)))
