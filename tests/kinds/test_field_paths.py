"""Dotted field paths of a kind's model, what settings such as lifecycle may name."""

from __future__ import annotations

import pytest

from reconciler.kinds.field_paths import field_paths, path_problem, required_paths
from reconciler.kinds.registry import KINDS, kind_named

PRODUCT = kind_named("product")


def test_paths_reach_into_lists_and_nested_parts_but_not_keys() -> None:
    paths = field_paths(PRODUCT)
    assert {"inventory_level", "variants.*.inventory_level", "options.*.values.*.label",
            "modifiers.*.values.*.adjusters.price.adjuster_value"} <= set(paths)
    assert not {"sku", "variants.*.sku", "options.*.display_name"} & set(paths)
    assert "variants.*" not in paths


def test_required_paths_are_what_a_create_needs() -> None:
    assert {"name", "type", "price", "weight", "variants.*.option_values"} <= required_paths(
        PRODUCT
    )
    assert "inventory_level" not in required_paths(PRODUCT)


@pytest.mark.parametrize(
    ("path", "fragment"),
    [
        ("inventory_level", None),
        ("sku", "natural key"),
        ("variants.*.sku", "natural key"),
        ("inventry_level", "did you mean 'inventory_level'?"),
        ("variants.*.stock", "the fields of product variants.* are: variants.*.option_values"),
        ("variants.0.inventory_level", "not a field of product"),
    ],
)
def test_problems_name_the_valid_fields(path: str, fragment: str | None) -> None:
    problem = path_problem(PRODUCT, path)
    assert problem is None if fragment is None else (problem is not None and fragment in problem)


def test_the_store_counters_cannot_be_declared_at_all() -> None:
    """total_sold, view_count, ratings and dates are the store's own: no model has them,
    so of the values the store changes by itself only stock needs a lifecycle default."""
    counters = {"total_sold", "view_count", "reviews_rating_sum", "reviews_count",
                "date_created", "date_modified", "date_last_imported", "views"}
    for kind in KINDS:
        assert not {p.rsplit(".", 1)[-1] for p in field_paths(kind)} & counters, kind.name
