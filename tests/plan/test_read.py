"""Which kinds a plan reads, and in which order."""

from __future__ import annotations

from reconciler.kinds.registry import KINDS, kind_named
from reconciler.plan.read import kinds_to_read, read_levels


def _names(kinds: list[object]) -> list[str]:
    return [kind.name for kind in kinds]  # type: ignore[attr-defined]


def test_the_kinds_a_kind_depends_on_are_read_too() -> None:
    assert _names(kinds_to_read([kind_named("product")])) == ["brand", "category", "product"]
    assert _names(kinds_to_read([kind_named("customer_group")])) == [
        "brand", "category", "product", "price_list", "customer_group",
    ]
    assert _names(kinds_to_read([kind_named("theme")])) == ["theme"]


def test_levels_put_every_kind_after_its_dependencies_and_group_independent_ones() -> None:
    levels = [sorted(_names(level)) for level in read_levels(list(KINDS))]
    seen: set[str] = set()
    for level in levels:
        for name in level:
            assert set(kind_named(name).depends_on) <= seen, (name, levels)
        seen.update(level)
    assert seen == {kind.name for kind in KINDS}
    assert levels[0] == ["brand", "category", "page", "script", "theme", "webhook"]
    assert len(levels) < len(KINDS)
