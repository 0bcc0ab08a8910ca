"""Price lists: ``catalog/price-lists``, matched by name, with records keyed by SKU + currency.

An overlay patches ``records`` entry by entry: a patched record names its ``sku`` and
``currency`` (together its key, SKU ignoring case), changes only the fields it gives, and a
record with a new key is added. Records the patch does not name stay as declared: a patch
cannot drop a record (``records: null`` stops managing the records in that environment).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Annotated, ClassVar

from pydantic import StringConstraints, field_validator

from reconciler.kinds.base import ItemModel, Kind, Reference, UniqueValue
from reconciler.kinds.fields import Money, Name255, Part, Problems
from reconciler.kinds.product import Sku

Currency = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
"""An ISO 4217 currency code in upper case: ``USD``, ``EUR``."""


class PriceRecord(Part):
    """The price of one SKU (product or variant) in one currency."""

    sku: Sku
    currency: Currency
    price: Money
    sale_price: Money | None = None
    retail_price: Money | None = None
    map_price: Money | None = None


class PriceList(ItemModel):
    """A price list (``price_lists.v3.yml``: name required and unique)."""

    name: Name255
    active: bool | None = None
    records: list[PriceRecord] | None = None

    @field_validator("records")
    @classmethod
    def _records_unique(cls, records: list[PriceRecord] | None) -> list[PriceRecord] | None:
        problems = Problems("records")
        problems.repeats(
            records or [],
            lambda r: (r.sku.casefold(), r.currency),
            lambda i: (i, "sku"),
            lambda r, _: f"more than one record for SKU {r.sku!r} in {r.currency}"
            " (SKUs ignoring case)",
        )
        problems.raise_any()
        return records


class PriceListKind(Kind[PriceList]):
    """Records name SKUs, which resolve in the store-wide ``"SKU"`` namespace."""

    name = "price_list"
    plural = "price_lists"
    directory = "catalog/price-lists"
    model = PriceList
    key_fields = ("name",)
    depends_on = ("product",)
    merge_keys: ClassVar[Mapping[str, tuple[str, ...]]] = {"records": ("sku", "currency")}

    def unique_values(self, item: PriceList) -> Iterable[UniqueValue]:
        # price_lists.v3.yml:188 "The unique name of the Price List" (409 on a duplicate);
        # names are compared ignoring case.
        yield UniqueValue(
            "price list name",
            item.name.casefold(),
            item.name,
            ("name",),
            "BigCommerce refuses two price lists whose names differ only by case",
        )

    def references(self, item: PriceList) -> Iterable[Reference]:
        for index, record in enumerate(item.records or []):
            where = ("records", index, "sku")
            yield Reference("SKU", record.sku, where, match=record.sku.casefold())
