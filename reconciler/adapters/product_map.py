"""Product shapes: the API's product documents ↔ the product model's values.

Pure functions, no requests: :mod:`.product_read` and :mod:`.product_write` use them.

Reading (API → model): ``brand_id`` → brand name and category ids → paths through
:class:`~reconciler.adapters.base.IdMaps`; variants' ``option_values`` →
``{option display_name: label}`` (the base variant of a product without options is not
a model variant); options' and modifiers' ``option_values`` → ``values``;
``value_data.product_id`` → the product's SKU; images and variant images get their
source back from StagingPro's record (:class:`ImageRecords`): ``file`` (the path relative
to the state root it was uploaded from) and ``sha256`` (``image_sha256`` on variants), or
the ``url`` it was created from; images StagingPro did not create show their
``url_standard``. Empty text the API uses for "none" (``image_url: ""``) is dropped.

Writing (model → API): the inverse, with decimals as JSON numbers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reconciler.adapters.base import IdMaps
from reconciler.adapters.common import custom_url_in, custom_url_out, number, numbers
from reconciler.kinds.brand import BrandKind
from reconciler.kinds.category import CategoryKind
from reconciler.kinds.product import (
    VALUED_MODIFIER_TYPES,
    Adjusters,
    Product,
    ProductKind,
    Variant,
)

PRODUCT_KIND = ProductKind()
BRAND_KIND = BrandKind()
CATEGORY_KIND = CategoryKind()

SUBRESOURCES = ("options", "variants", "modifiers", "images", "custom_fields", "bulk_pricing_rules")
SPECIAL = ("brand", "categories", "custom_url", "protect", *SUBRESOURCES)
PLAIN_FIELDS = tuple(name for name in Product.model_fields if name not in SPECIAL)
"""Product fields the API spells and shapes as the model does."""
PRODUCT_DECIMALS = (
    "price", "sale_price", "retail_price", "cost_price", "map_price",
    "weight", "width", "height", "depth",
)
VARIANT_FIELDS = tuple(
    n for n in Variant.model_fields if n not in ("sku", "option_values", "image")
)
VARIANT_DECIMALS = (
    "price", "sale_price", "retail_price", "cost_price", "weight", "width", "height", "depth",
)
ADJUSTER_FIELDS = tuple(Adjusters.model_fields)

IMAGES_KEY = "images"
"""Key of the metafield recording where a product's images came from (:class:`ImageRecords`)."""
PROTECT_KEY = "protect"
"""Key of the metafield recording ``protect: true`` in the store (value ``"true"``), so a
product keeps its protection from pruning after its YAML is removed."""


@dataclass
class ImageRecords:
    """Where a product's images came from, kept in StagingPro's product metafield:
    ``images`` by image id and ``variant_images`` by variant id, each ``{"file", "sha256"}``
    (a repository file) or ``{"url"}`` (created from a URL)."""

    images: dict[str, dict[str, str]] = field(default_factory=dict)
    variant_images: dict[str, dict[str, str]] = field(default_factory=dict)

    @classmethod
    def parse(cls, value: Any) -> ImageRecords:
        try:
            raw = json.loads(value) if isinstance(value, str) else {}
        except ValueError:
            raw = {}
        if not isinstance(raw, dict):
            raw = {}
        return cls(
            images={str(k): v for k, v in (raw.get("images") or {}).items() if isinstance(v, dict)},
            variant_images={
                str(k): v for k, v in (raw.get("variant_images") or {}).items()
                if isinstance(v, dict)
            },
        )

    def dump(self) -> str:
        return json.dumps(
            {"images": self.images, "variant_images": self.variant_images},
            sort_keys=True, separators=(",", ":"), allow_nan=False,
        )


# --- reading ---------------------------------------------------------------------------------
def product_data(
    product: Mapping[str, Any],
    ids: IdMaps,
    records: ImageRecords,
    *,
    options: list[Mapping[str, Any]] | None = None,
    modifiers: list[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """A product as the API returns it (with ``include``d sub-resources) → model values.
    ``options``/``modifiers``: read separately (``None``: not read, left out)."""
    data: dict[str, Any] = {n: product[n] for n in PLAIN_FIELDS if n in product}
    tracking = product.get("inventory_tracking")
    if tracking == "variant":
        data.pop("inventory_level", None)  # the sum of the variants' levels: server-owned
    brand_id = product.get("brand_id")
    if brand_id:
        data["brand"] = ids.key_of(BRAND_KIND, brand_id) or f"#{brand_id}"
    if "categories" in product:
        paths = [ids.key_of(CATEGORY_KIND, cid) for cid in product["categories"] or []]
        data["categories"] = [p for p in paths if p is not None]
    url = custom_url_in(product.get("custom_url"))
    if url is not None:
        data["custom_url"] = url
    if options is not None:
        data["options"] = [option_data(o, ids) for o in options]
    variants = [v for v in product.get("variants") or [] if v.get("option_values")]
    if "variants" in product:
        data["variants"] = [variant_data(v, records) for v in variants]
    if modifiers is not None:
        data["modifiers"] = [modifier_data(m) for m in modifiers]
    if "images" in product:
        data["images"] = [image_data(i, records) for i in product["images"] or []]
    if "custom_fields" in product:
        data["custom_fields"] = [
            {"name": f["name"], "value": f["value"]} for f in product["custom_fields"] or []
        ]
    if "bulk_pricing_rules" in product:
        data["bulk_pricing_rules"] = [
            {k: r[k] for k in ("quantity_min", "quantity_max", "type", "amount") if k in r}
            for r in product["bulk_pricing_rules"] or []
        ]
    return data


def variant_data(variant: Mapping[str, Any], records: ImageRecords) -> dict[str, Any]:
    """A variant → model values. Its stock levels are kept whatever the product's
    ``inventory_tracking``: the store saves them either way and counts them only under
    ``variant`` tracking (product-variants_catalog.v3.yml, ``inventory_level``), so a
    declared level compares with what the store holds instead of planning on every run."""
    data: dict[str, Any] = {
        "sku": variant["sku"],
        "option_values": {
            str(v["option_display_name"]): str(v["label"]) for v in variant["option_values"]
        },
    }
    for name in VARIANT_FIELDS:
        if name in variant and variant[name] is not None and variant[name] != "":
            data[name] = variant[name]
    record = records.variant_images.get(str(variant.get("id")))
    if record and "file" in record:
        data["image"] = record["file"]
        data["image_sha256"] = record.get("sha256", "")
    elif record and "url" in record:
        data["image"] = record["url"]
    elif variant.get("image_url"):
        data["image"] = variant["image_url"]
    return data


def _value_data_in(raw: Any, ids: IdMaps) -> dict[str, Any] | None:
    if not isinstance(raw, Mapping) or not raw:
        return None
    data: dict[str, Any] = {}
    if raw.get("colors"):
        data["colors"] = list(raw["colors"])
    if raw.get("image_url"):
        data["image_url"] = raw["image_url"]
    if raw.get("product_id"):
        data["product"] = ids.key_of(PRODUCT_KIND, raw["product_id"]) or f"#{raw['product_id']}"
    return data or None


def option_data(option: Mapping[str, Any], ids: IdMaps) -> dict[str, Any]:
    values = []
    for value in option.get("option_values") or []:
        entry: dict[str, Any] = {
            k: value[k] for k in ("label", "is_default", "sort_order") if k in value
        }
        value_data = _value_data_in(value.get("value_data"), ids)
        if value_data is not None:
            entry["value_data"] = value_data
        values.append(entry)
    data = {k: option[k] for k in ("display_name", "type", "sort_order") if k in option}
    data["values"] = values
    return data


def modifier_data(modifier: Mapping[str, Any]) -> dict[str, Any]:
    data = {k: modifier[k] for k in ("display_name", "type", "required", "sort_order")
            if k in modifier}
    if modifier.get("type") in VALUED_MODIFIER_TYPES:
        values = []
        for value in modifier.get("option_values") or []:
            entry = {k: value[k] for k in ("label", "is_default", "sort_order") if k in value}
            adjusters = _adjusters_in(value.get("adjusters"))
            if adjusters:
                entry["adjusters"] = adjusters
            values.append(entry)
        data["values"] = values
    return data


def _adjusters_in(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        return {}
    data: dict[str, Any] = {}
    for name in ("price", "weight"):
        adjuster = raw.get(name)
        if isinstance(adjuster, Mapping) and adjuster.get("adjuster"):
            data[name] = {"adjuster": adjuster["adjuster"],
                          "adjuster_value": adjuster.get("adjuster_value", 0)}
    if raw.get("image_url"):
        data["image_url"] = raw["image_url"]
    disabled = raw.get("purchasing_disabled")
    if isinstance(disabled, Mapping) and disabled.get("status"):
        data["purchasing_disabled"] = {
            k: disabled[k] for k in ("status", "message") if disabled.get(k) not in (None, "")
        }
    return data


def image_data(image: Mapping[str, Any], records: ImageRecords) -> dict[str, Any]:
    data: dict[str, Any] = {
        k: image[k] for k in ("description", "sort_order", "is_thumbnail") if k in image
    }
    record = records.images.get(str(image.get("id")))
    if record and "file" in record:
        data["file"] = record["file"]
        data["sha256"] = record.get("sha256", "")
    elif record and "url" in record:
        data["url"] = record["url"]
    else:
        data["url"] = image.get("url_standard") or image.get("image_url") or ""
    return data


def product_ids(product: Mapping[str, Any], *, options: list[Mapping[str, Any]] | None,
                modifiers: list[Mapping[str, Any]] | None,
                metafields: Mapping[str, int] | None = None) -> dict[str, Any]:
    """The store ids write needs later (the shape ``Change.live_ids`` carries)."""
    variants = product.get("variants") or []
    ids: dict[str, Any] = {
        "id": product["id"],
        "variants": {str(v["sku"]).casefold(): v["id"] for v in variants if v.get("option_values")},
        "base_variant_id": next((v["id"] for v in variants if not v.get("option_values")), None),
        "images": [i["id"] for i in product.get("images") or []],
        "image_sort_orders": [i.get("sort_order", 0) for i in product.get("images") or []],
        "custom_fields": {str(f["name"]): f["id"] for f in product.get("custom_fields") or []},
        "bulk_pricing_rules": {
            str(r["quantity_min"]): r["id"] for r in product.get("bulk_pricing_rules") or []
        },
        "metafields": dict(metafields or {}),
    }
    if options is not None:
        ids["options"] = _choice_ids(options)
    if modifiers is not None:
        ids["modifiers"] = _choice_ids(modifiers)
    return ids


def _choice_ids(choices: list[Mapping[str, Any]]) -> dict[str, Any]:
    return {
        str(c["display_name"]).casefold(): {
            "id": c["id"],
            "values": {str(v["label"]).casefold(): v["id"] for v in c.get("option_values") or []},
        }
        for c in choices
    }


# --- writing ---------------------------------------------------------------------------------
class Unresolved(Exception):
    """A reference of a product to write names an item this store does not have."""


def product_payload(
    values: Mapping[str, Any], ids: IdMaps, only: set[str] | None = None
) -> dict[str, Any]:
    """Model values → the product body (top-level fields; ``only``: just these)."""
    wanted = [n for n in values if n not in SUBRESOURCES and n != "protect"
              and (only is None or n in only)]
    body = numbers({n: values[n] for n in wanted if n in PLAIN_FIELDS}, PRODUCT_DECIMALS)
    if "brand" in wanted:
        brand = values["brand"]
        brand_id = ids.id_of(BRAND_KIND, brand) if brand else 0
        if brand_id is None:
            raise Unresolved(f"brand {brand!r} is not in the store")
        body["brand_id"] = brand_id
    if "categories" in wanted:
        category_ids = []
        for path in values["categories"] or []:
            category_id = ids.id_of(CATEGORY_KIND, path)
            if category_id is None:
                raise Unresolved(f"category {path!r} is not in the store")
            category_ids.append(category_id)
        body["categories"] = category_ids
    if "custom_url" in wanted and values["custom_url"]:
        body["custom_url"] = custom_url_out(values["custom_url"])
    return body


def variant_fields(variant: Mapping[str, Any], only: set[str] | None = None) -> dict[str, Any]:
    """A variant's own fields (no SKU, options or image) as the API takes them."""
    names = [n for n in VARIANT_FIELDS if n in variant and (only is None or n in only)]
    return numbers({n: variant[n] for n in names}, VARIANT_DECIMALS)


def option_value_payload(value: Mapping[str, Any], ids: IdMaps) -> dict[str, Any]:
    body = {k: value[k] for k in ("label", "is_default", "sort_order") if k in value}
    body.setdefault("sort_order", 0)
    data = value.get("value_data")
    if isinstance(data, Mapping):
        out: dict[str, Any] = {k: data[k] for k in ("colors", "image_url") if k in data}
        if data.get("product"):
            product_id = ids.id_of(PRODUCT_KIND, str(data["product"]))
            if product_id is None:
                raise Unresolved(f"product {data['product']!r} is not in the store")
            out["product_id"] = product_id
        body["value_data"] = out
    return body


def modifier_value_payload(value: Mapping[str, Any]) -> dict[str, Any]:
    body = {k: value[k] for k in ("label", "is_default", "sort_order") if k in value}
    body.setdefault("sort_order", 0)
    adjusters = value.get("adjusters")
    if isinstance(adjusters, Mapping):
        out: dict[str, Any] = {}
        for name in ("price", "weight"):
            if isinstance(adjusters.get(name), Mapping):
                adjuster = adjusters[name]
                out[name] = {"adjuster": adjuster["adjuster"],
                             "adjuster_value": number(adjuster["adjuster_value"])}
        if adjusters.get("image_url"):
            out["image_url"] = adjusters["image_url"]
        if isinstance(adjusters.get("purchasing_disabled"), Mapping):
            out["purchasing_disabled"] = dict(adjusters["purchasing_disabled"])
        body["adjusters"] = out
    return body


def bulk_rule_payload(rule: Mapping[str, Any]) -> dict[str, Any]:
    return numbers(
        {k: rule[k] for k in ("quantity_min", "quantity_max", "type", "amount") if k in rule},
        ("amount",),
    )
