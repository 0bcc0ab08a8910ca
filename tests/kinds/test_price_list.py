from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from reconciler.kinds.base import Reference
from reconciler.kinds.price_list import PriceList, PriceListKind
from reconciler.state import load_state, validate_state
from tests.kinds.helpers import assert_rejected
from tests.state.base import write_base

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


PRICE_LIST = """\
name: Wholesale
records:
  - {sku: TRAIL-01, currency: USD, price: 60}
  - {sku: TRAIL-01, currency: EUR, price: 55}
  - {sku: TRAIL-01-9, currency: USD, price: 58}
"""


def staging_state(tmp_path: Path, records_patch: str) -> Path:
    root = write_base(tmp_path / "store-state")
    (root / "catalog/price-lists").mkdir(parents=True)
    (root / "catalog/price-lists/wholesale.yaml").write_text(PRICE_LIST, encoding="utf-8")
    overlay = "patch:\n  price_lists:\n    Wholesale:\n      records:\n" + records_patch
    (root / "environments/staging/overlay.yaml").write_text(overlay, encoding="utf-8")
    return root


def test_an_overlay_merges_records_by_sku_and_currency(tmp_path: Path) -> None:
    assert dict(KIND.merge_keys) == {"records": ("sku", "currency")}
    root = staging_state(
        tmp_path,
        "        - {sku: trail-01, currency: EUR, sale_price: 50}\n"
        "        - {sku: TRAIL-01-10, currency: USD, price: 61}\n",
    )
    item = load_state(root, "staging").get("price_list", "Wholesale")
    assert item is not None and isinstance(item.model, PriceList)
    records = [(r.sku, r.currency, r.price, r.sale_price) for r in item.model.records or []]
    # Matched ignoring the SKU's case, the base keeps its spelling; others stay as declared.
    assert records == [
        ("TRAIL-01", "USD", Decimal(60), None),
        ("TRAIL-01", "EUR", Decimal(55), Decimal(50)),
        ("TRAIL-01-9", "USD", Decimal(58), None),
        ("TRAIL-01-10", "USD", Decimal(61), None),
    ]
    assert item.locate(("records", 1, "sale_price")).file == "environments/staging/overlay.yaml"
    production = load_state(root, "production").get("price_list", "Wholesale")
    assert production is not None and isinstance(production.model, PriceList)
    assert len(production.model.records or []) == 3


def test_a_patched_record_names_both_key_fields(tmp_path: Path) -> None:
    root = staging_state(tmp_path, "        - {sku: TRAIL-01, price: 50}\n")
    report = validate_state(root, ["staging"])
    assert [p.format() for p in report.problems] == [
        "environments/staging/overlay.yaml:5:11: price_list Wholesale: each entry patching"
        " 'records' needs 'sku:' and 'currency:' to name the entry it changes"
    ]


def test_a_repeated_record_is_reported_at_its_line(tmp_path: Path) -> None:
    root = staging_state(tmp_path, "        - {sku: TRAIL-01-9, currency: EUR, price: 50}\n")
    repeated = PRICE_LIST + "  - {sku: trail-01, currency: EUR, price: 54}\n"
    (root / "catalog/price-lists/wholesale.yaml").write_text(repeated, encoding="utf-8")
    report = validate_state(root, ["production"])
    assert [p.format() for p in report.problems] == [
        "catalog/price-lists/wholesale.yaml:6:11: price_list Wholesale: records.3.sku: more than"
        " one record for SKU 'trail-01' in EUR (SKUs ignoring case); first at"
        " catalog/price-lists/wholesale.yaml:4:11"
    ]
