"""Brands: ``catalog/brands``, matched by name (case-insensitive, as BigCommerce does)."""

from __future__ import annotations

from collections.abc import Iterable

from reconciler.kinds.base import ItemModel, Kind, UniqueValue
from reconciler.kinds.fields import (
    HttpUrl,
    Keywords,
    LongText,
    Name255,
    Str255,
    UrlPath,
    custom_url_value,
)


class Brand(ItemModel):
    """A brand (``brands_catalog.v3.yml``: name 1-255 characters, "Must be unique")."""

    name: Name255
    page_title: Str255 | None = None
    meta_keywords: Keywords | None = None
    meta_description: LongText | None = None
    search_keywords: LongText | None = None
    image_url: HttpUrl | None = None
    custom_url: UrlPath | None = None


class BrandKind(Kind[Brand]):
    """Brands have no dependencies; products and redirects refer to them by name."""

    name = "brand"
    plural = "brands"
    directory = "catalog/brands"
    model = Brand
    can_mark_owned = True
    key_fields = ("name",)
    case_insensitive_key = True

    def unique_values(self, item: Brand) -> Iterable[UniqueValue]:
        if item.custom_url is not None:
            yield custom_url_value(item.custom_url)
