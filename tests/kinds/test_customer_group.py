from __future__ import annotations

from typing import Any

import pytest

from reconciler.kinds.base import Reference
from reconciler.kinds.customer_group import CustomerGroup, CustomerGroupKind
from tests.kinds.helpers import assert_rejected

KIND = CustomerGroupKind()


def group(**extra: Any) -> dict[str, Any]:
    return {"name": "Trade"} | extra


ALL = {"type": "all", "method": "percent", "amount": 10}


def test_a_group_validates_and_refers_to_what_it_names() -> None:
    item = CustomerGroup.model_validate(
        group(
            is_default=False,
            category_access={"type": "specific", "categories": ["Footwear", "Packs/Daypacks"]},
            discount_rules=[
                ALL,
                {"type": "category", "category": "Footwear/Trail", "method": "fixed", "amount": 5},
                {"type": "product", "product": "TRAIL-01", "method": "price", "amount": "70.00"},
            ],
        )
    )
    assert KIND.key(item) == "Trade"
    assert list(KIND.references(item)) == [
        Reference("category", "Footwear", ("category_access", "categories", 0)),
        Reference("category", "Packs/Daypacks", ("category_access", "categories", 1)),
        Reference("category", "Footwear/Trail", ("discount_rules", 1, "category")),
        Reference("product", "TRAIL-01", ("discount_rules", 2, "product")),
    ]
    price_list = CustomerGroup.model_validate(
        group(discount_rules=[{"type": "price_list", "price_list": "Wholesale"}])
    )
    assert list(KIND.references(price_list)) == [
        Reference("price_list", "Wholesale", ("discount_rules", 0, "price_list"))
    ]


@pytest.mark.parametrize(
    ("data", "loc", "fragment"),
    [
        (group(category_access={"type": "specific"}), ("category_access",), "needs categories"),
        (
            group(category_access={"type": "all", "categories": ["A"]}),
            ("category_access",),
            "only to type specific",
        ),
        (
            group(category_access={"type": "specific", "categories": ["A", "A"]}),
            ("category_access",),
            "listed more than once",
        ),
        (
            group(category_access={"type": "some"}),
            ("category_access", "type"),
            "'all', 'specific' or 'none'",
        ),
        (
            group(discount_rules=[{"type": "category", "method": "fixed", "amount": 1}]),
            ("discount_rules", 0),
            "needs category",
        ),
        (
            group(discount_rules=[{"type": "product", "method": "fixed", "amount": 1}]),
            ("discount_rules", 0),
            "needs product",
        ),
        (
            group(discount_rules=[ALL | {"product": "X"}]),
            ("discount_rules", 0),
            "product does not apply",
        ),
        (
            group(discount_rules=[{"type": "all", "method": "percent"}]),
            ("discount_rules", 0),
            "needs method and amount",
        ),
        (group(discount_rules=[ALL | {"amount": 150}]), ("discount_rules", 0), "over 100"),
        (
            group(discount_rules=[ALL | {"method": "free"}]),
            ("discount_rules", 0, "method"),
            "'percent', 'fixed' or 'price'",
        ),
        (
            group(discount_rules=[{"type": "price_list", "price_list": "W", "method": "percent"}]),
            ("discount_rules", 0),
            "takes no method",
        ),
        (
            group(discount_rules=[{"type": "price_list", "price_list": "W"}, ALL]),
            ("discount_rules",),
            "only rule",
        ),
        (
            group(discount_rules=[ALL, ALL]),
            ("discount_rules",),
            "at most one discount rule of type all",
        ),
        (
            group(
                discount_rules=[
                    {"type": "product", "product": "A-1", "method": "price", "amount": 1},
                    {"type": "product", "product": "a-1", "method": "price", "amount": 2},
                ]
            ),
            ("discount_rules",),
            "more than one discount rule for product 'a-1'",
        ),
        (group(name=""), ("name",), "at least 1"),
    ],
)
def test_rules(data: dict[str, Any], loc: tuple[Any, ...], fragment: str) -> None:
    assert_rejected(CustomerGroup, data, loc, fragment)


def test_dependencies() -> None:
    assert set(KIND.depends_on) == {"category", "product", "price_list"}
