from __future__ import annotations

from decimal import Decimal

from reconciler.kinds.base import Reference
from reconciler.kinds.price_list import PriceList, PriceListKind
from tests.kinds.helpers import assert_rejected

KIND = PriceListKind()


def record(sku: str = "TRAIL-01", currency: str = "USD", price: object = 60) -> dict[str, object]:
    return {"sku": sku, "currency": currency, "price": price}


def test_a_price_list_validates() -> None:
    price_list = PriceList.model_validate(
        {
            "name": "Wholesale",
            "active": True,
            "records": [record(), record(currency="EUR") | {"sale_price": "55.5"}],
        }
    )
    assert price_list.records is not None
    assert price_list.records[1].sale_price == Decimal("55.5")
    assert KIND.key(price_list) == "Wholesale"


def test_constraints() -> None:
    assert_rejected(PriceList, {}, ("name",), "Field required")
    assert_rejected(
        PriceList,
        {"name": "W", "records": [record(currency="usd")]},
        ("records", 0, "currency"),
        "pattern",
    )
    assert_rejected(
        PriceList,
        {"name": "W", "records": [record(currency="US")]},
        ("records", 0, "currency"),
        "pattern",
    )
    assert_rejected(
        PriceList,
        {"name": "W", "records": [record(price=-1)]},
        ("records", 0, "price"),
        "greater than or equal to 0",
    )
    assert_rejected(
        PriceList,
        {"name": "W", "records": [{"sku": "A", "currency": "USD"}]},
        ("records", 0, "price"),
        "Field required",
    )
    assert_rejected(
        PriceList,
        {"name": "W", "records": [record() | {"variant_id": 4}]},
        ("records", 0, "variant_id"),
        "Extra inputs",
    )


def test_records_are_unique_by_sku_and_currency() -> None:
    twice = [record("TRAIL-01"), record("trail-01")]
    assert_rejected(
        PriceList,
        {"name": "W", "records": twice},
        ("records",),
        "more than one record for SKU 'trail-01' in USD",
    )
    assert PriceList.model_validate(
        {"name": "W", "records": [record(), record(currency="GBP")]}
    ).records


def test_records_refer_to_the_sku_namespace() -> None:
    price_list = PriceList.model_validate({"name": "W", "records": [record("Trail-01-S")]})
    assert list(KIND.references(price_list)) == [
        Reference("SKU", "Trail-01-S", ("records", 0, "sku"), match="trail-01-s")
    ]
    assert KIND.depends_on == ("product",)
