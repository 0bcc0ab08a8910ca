"""--only / --exclude rules."""

from __future__ import annotations

import pytest

from reconciler.errors import ConfigError
from reconciler.kinds.registry import KINDS, kind_named
from reconciler.plan.selection import Selection


def test_kinds_by_name_or_plural_and_key_globs() -> None:
    selection = Selection.parse(["products:TRAIL-*", "category"], ["category:Sale/*"])
    product, category = kind_named("product"), kind_named("category")
    assert [k.name for k in selection.kinds(KINDS)] == ["category", "product"]
    assert selection.selects(product, "trail-01")  # SKUs match case-insensitively
    assert not selection.selects(product, "ROAD-01")
    assert selection.selects(category, "Footwear/Trail")
    assert not selection.selects(category, "Sale/Boots")
    assert not selection.selects(kind_named("brand"), "Summit")
    assert selection.arguments() == (
        "--only product:TRAIL-*", "--only category", "--exclude category:Sale/*"
    )


def test_category_globs_are_case_sensitive_and_keys_may_hold_colons() -> None:
    selection = Selection.parse(["category:channel:2/*"])
    category = kind_named("category")
    assert selection.selects(category, "channel:2/Footwear")
    assert not selection.selects(category, "Footwear")
    assert not Selection.parse(["category:foot*"]).selects(category, "Footwear")


def test_excluding_a_whole_kind_drops_it() -> None:
    selection = Selection.parse((), ["themes", "price-lists"])
    names = [k.name for k in selection.kinds(KINDS)]
    assert "theme" not in names and "price_list" not in names and "product" in names


@pytest.mark.parametrize(
    ("rule", "message"),
    [("prodcuts", "unknown kind 'prodcuts'"), ("product:", "the key glob after ':' is empty"),
     (":x", "name a kind first")],
)
def test_bad_rules_are_refused_clearly(rule: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Selection.parse([rule])
