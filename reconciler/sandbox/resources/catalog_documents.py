"""Product documents of the sandbox catalogue, and the library functions the seeder calls.

Storage
-------
A product is **one document** in the ``catalog_products`` collection, shaped exactly as
``GET /v3/catalog/products/{id}`` returns it, with its sub-resources nested under
``variants``, ``options``, ``modifiers``, ``images``, ``custom_fields``,
``bulk_pricing_rules`` and ``videos``. A GET with ``include=`` is therefore one lookup and
a shallow copy (:func:`render_product`). Variants carry their option values denormalised
(``option_display_name``, ``label``), kept in step when an option changes, and their
``calculated_price``/``calculated_weight``, refreshed by :func:`refresh_variants`.

Indexes (see :mod:`catalog_common`): lower-cased SKUs of the product *and* its variants
(``sku``, the rule "SKU unique across products and variants"), lower-cased ``name``,
``brand``, ``category``, ``variant`` (variant id → product) and ``url``.

A product without option variants has one *base variant* (``base_variant_id``) whose SKU
mirrors the product's; creating the first option variant replaces it and the product then
has no ``base_variant_id`` (BigCommerce answers ``null``; the spec types the field as a
non-nullable integer, so the sandbox leaves it out).

Library API (for ``stagingpro sandbox seed`` and tests)
-------------------------------------------------------
* :func:`create_product(store, payload) <create_product>` → the product document, exactly
  as ``POST /v3/catalog/products`` creates it (embedded ``variants``, ``images``,
  ``custom_fields``, ``bulk_pricing_rules``; ``brand_name``), raising
  :class:`~reconciler.sandbox.http.ApiProblem` (422/409) and leaving no trace when it does.
* :func:`update_product(store, product_id, payload) <update_product>`,
  :func:`delete_product(store, product_id) <delete_product>`.
* :func:`render_product(doc, includes) <render_product>` → the API representation.
* Brands and categories for the products to refer to:
  ``catalog_brands.check_new_brand(store, body)`` then ``new_brand(store, body)``;
  ``catalog_trees.ensure_default_tree(store)``, ``check_new(store, item, set(), set())``
  (→ problems, tree id, parent id) then ``new_category(store, item, tree_id, parent_id)``.

The caller commits: ``store.db.commit()`` (the app does it once per request; a seeder can
create thousands of products and commit once).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from reconciler.sandbox.http import ApiProblem, now_iso
from reconciler.sandbox.resources.catalog_brands import check_new_brand, new_brand
from reconciler.sandbox.resources.catalog_common import (
    BRANDS,
    CATEGORIES,
    INVALID,
    PRODUCTS,
    Field,
    check_url_free,
    conflict,
    delete_metafields,
    field_errors,
    free_url,
    known,
    not_found,
    slug,
)
from reconciler.sandbox.storage import Collection, Document, Store

MAX_INT = 2147483647
MAX_DIM = 9999999999
MAX_MONEY = 9999999999
"""Amounts are stored in fixed-point columns: larger ones are refused (422), like the
spec's dimension bound, rather than stored and rounded."""
MAX_CUSTOM_FIELDS = 200
MAX_VARIANTS = 600
MAX_IMAGES = 1000
MAX_OPTION_VALUES = 250
"""Values of one variant option (product-variant-options_catalog.v3.yml), however they
are made: the options endpoints or variants naming new values."""

SUBRESOURCES = (
    "variants",
    "options",
    "modifiers",
    "images",
    "custom_fields",
    "bulk_pricing_rules",
    "videos",
)
INCLUDABLE = frozenset({*SUBRESOURCES, "primary_image", "channels", "parent_relations", "reviews"})

_money = Field("num", minimum=0, maximum=MAX_MONEY)
_dim = Field("num", minimum=0, maximum=MAX_DIM)
_count = Field("int", minimum=0, maximum=MAX_INT)

PRODUCT_FIELDS: dict[str, Field] = {
    "name": Field("str", min_len=1, max_len=250),
    "type": Field("enum", choices=("physical", "digital")),
    "sku": Field("str", max_len=255),
    "description": Field("str"),
    "weight": _dim,
    "width": _dim,
    "depth": _dim,
    "height": _dim,
    "price": _money,
    "cost_price": _money,
    "retail_price": _money,
    "sale_price": _money,
    "map_price": Field("num", minimum=0, maximum=MAX_MONEY),
    "tax_class_id": Field("int", minimum=0, maximum=255),
    "product_tax_code": Field("str", max_len=255),
    "categories": Field("ints", max_len=1000),
    "brand_id": Field("int", minimum=0, maximum=1000000000),
    "brand_name": Field("str", max_len=255),
    "inventory_level": _count,
    "inventory_warning_level": _count,
    "inventory_tracking": Field("enum", choices=("none", "product", "variant")),
    "fixed_cost_shipping_price": _money,
    "is_free_shipping": Field("bool"),
    "is_visible": Field("bool"),
    "is_featured": Field("bool"),
    "related_products": Field("ints"),
    "warranty": Field("str", max_len=65535),
    "bin_picking_number": Field("str", max_len=255),
    "layout_file": Field("str", max_len=500),
    "upc": Field("str", max_len=14),
    "search_keywords": Field("str", max_len=65535),
    "availability_description": Field("str", max_len=255),
    "availability": Field("enum", choices=("available", "disabled", "preorder")),
    "gift_wrapping_options_type": Field("enum", choices=("any", "none", "list")),
    "gift_wrapping_options_list": Field("ints"),
    "sort_order": Field("int", minimum=-MAX_INT - 1, maximum=MAX_INT),
    "condition": Field("enum", choices=("New", "Used", "Refurbished")),
    "is_condition_shown": Field("bool"),
    "order_quantity_minimum": Field("int", minimum=0, maximum=1000000000),
    "order_quantity_maximum": Field("int", minimum=0, maximum=1000000000),
    "page_title": Field("str", max_len=255),
    "meta_keywords": Field("strs"),
    "meta_description": Field("str", max_len=65535),
    "view_count": Field("int", minimum=0, maximum=1000000000),
    "preorder_release_date": Field("str", nullable=True),
    "preorder_message": Field("str", max_len=255),
    "is_preorder_only": Field("bool"),
    "is_price_hidden": Field("bool"),
    "price_hidden_label": Field("str", max_len=200),
    "custom_url": Field("obj"),
    "open_graph_type": Field(
        "enum",
        choices=(
            "product",
            "album",
            "book",
            "drink",
            "food",
            "game",
            "movie",
            "song",
            "tv_show",
        ),
    ),
    "open_graph_title": Field("str"),
    "open_graph_description": Field("str"),
    "open_graph_use_meta_description": Field("bool"),
    "open_graph_use_product_name": Field("bool"),
    "open_graph_use_image": Field("bool"),
    "gtin": Field("str", max_len=14),
    "mpn": Field("str"),
    "date_last_imported": Field("str"),
    "reviews_rating_sum": Field("int", minimum=0),
    "reviews_count": Field("int", minimum=0),
    "total_sold": Field("int", minimum=0),
    "custom_fields": Field("list"),
    "bulk_pricing_rules": Field("list"),
    "images": Field("list"),
    "videos": Field("list"),
    "variants": Field("list"),
}
PRODUCT_READ_ONLY = (
    "id",
    "date_created",
    "date_modified",
    "calculated_price",
    "base_variant_id",
    "options",
    "modifiers",
    "primary_image",
    "option_set_id",
    "option_set_display",
    "parent_relations",
    "channels",
)


def _product_defaults() -> dict[str, Any]:
    return {
        "sku": "",
        "description": "",
        "width": 0.0,
        "depth": 0.0,
        "height": 0.0,
        "cost_price": 0.0,
        "retail_price": 0.0,
        "sale_price": 0.0,
        "map_price": 0.0,
        "tax_class_id": 0,
        "product_tax_code": "",
        "categories": [],
        "brand_id": 0,
        "inventory_level": 0,
        "inventory_warning_level": 0,
        "inventory_tracking": "none",
        "fixed_cost_shipping_price": 0.0,
        "is_free_shipping": False,
        "is_visible": True,
        "is_featured": False,
        "related_products": [-1],
        "warranty": "",
        "bin_picking_number": "",
        "layout_file": "product.html",
        "upc": "",
        "search_keywords": "",
        "availability_description": "",
        "availability": "available",
        "gift_wrapping_options_type": "any",
        "gift_wrapping_options_list": [],
        "sort_order": 0,
        "condition": "New",
        "is_condition_shown": False,
        "order_quantity_minimum": 0,
        "order_quantity_maximum": 0,
        "page_title": "",
        "meta_keywords": [],
        "meta_description": "",
        "view_count": 0,
        "preorder_release_date": None,
        "preorder_message": "",
        "is_preorder_only": False,
        "is_price_hidden": False,
        "price_hidden_label": "",
        "open_graph_type": "product",
        "open_graph_title": "",
        "open_graph_description": "",
        "open_graph_use_meta_description": True,
        "open_graph_use_product_name": True,
        "open_graph_use_image": True,
        "gtin": "",
        "mpn": "",
        "reviews_rating_sum": 0,
        "reviews_count": 0,
        "total_sold": 0,
        "option_set_display": "right",
    }


_nullable_money = Field("num", minimum=0, maximum=MAX_MONEY, nullable=True)
_nullable_dim = Field("num", minimum=0, maximum=MAX_DIM, nullable=True)

VARIANT_FIELDS: dict[str, Field] = {
    "cost_price": _nullable_money,
    "price": _nullable_money,
    "sale_price": _nullable_money,
    "retail_price": _nullable_money,
    "map_price": Field("num", minimum=0, maximum=MAX_MONEY, nullable=True),
    "weight": _nullable_dim,
    "width": _nullable_dim,
    "height": _nullable_dim,
    "depth": _nullable_dim,
    "is_free_shipping": Field("bool"),
    "fixed_cost_shipping_price": _nullable_money,
    "purchasing_disabled": Field("bool"),
    "purchasing_disabled_message": Field("str", max_len=255),
    "image_url": Field("str"),
    "upc": Field("str", max_len=14, nullable=True),
    "inventory_level": Field("int", maximum=MAX_INT, nullable=True),
    "inventory_warning_level": Field("int", maximum=MAX_INT, nullable=True),
    "bin_picking_number": Field("str", max_len=255, nullable=True),
    "mpn": Field("str", nullable=True),
    "gtin": Field("str", max_len=14, nullable=True),
    "product_id": Field("int", minimum=1),
    "sku": Field("str", min_len=1, max_len=255),
    "option_values": Field("list"),
}
VARIANT_READ_ONLY = ("id", "sku_id", "calculated_price", "calculated_weight")
OPTION_VALUE_REF_FIELDS: dict[str, Field] = {
    "option_display_name": Field("str", min_len=1, max_len=255),
    "label": Field("str", min_len=1, max_len=255),
    "id": Field("int", minimum=1),
    "option_id": Field("int", minimum=1),
}

CUSTOM_FIELD_FIELDS: dict[str, Field] = {
    "name": Field("str", min_len=1, max_len=250),
    "value": Field("str", min_len=1, max_len=250),
}
BULK_RULE_FIELDS: dict[str, Field] = {
    "quantity_min": Field("int", minimum=0),
    "quantity_max": Field("int", minimum=0),
    "type": Field("enum", choices=("price", "percent", "fixed")),
    "amount": Field("any"),
}
IMAGE_FIELDS: dict[str, Field] = {
    "image_url": Field("str", min_len=1, max_len=255),
    "is_thumbnail": Field("bool"),
    "sort_order": Field("int", minimum=-MAX_INT - 1, maximum=MAX_INT),
    "description": Field("str"),
    "product_id": Field("int"),
}
IMAGE_READ_ONLY = (
    "id",
    "date_modified",
    "url_zoom",
    "url_standard",
    "url_thumbnail",
    "url_tiny",
    "image_file",
)
VIDEO_FIELDS: dict[str, Field] = {
    "title": Field("str", max_len=255),
    "description": Field("str"),
    "sort_order": Field("int"),
    "type": Field("enum", choices=("youtube",)),
    "video_id": Field("str", min_len=1),
}


# -- lookups --------------------------------------------------------------------------------------
def products(store: Store) -> Collection:
    return store.collection(PRODUCTS)


def get_product(store: Store, product_id: int) -> Document:
    """The stored product document, or a 404."""
    doc = products(store).get(product_id)
    if doc is None:
        raise not_found("product", product_id)
    return doc


def product_of_variant(store: Store, variant_id: int) -> Document | None:
    found = products(store).lookup("variant", variant_id)
    return found[0] if found else None


def find_variant(product: Document, variant_id: int) -> Document | None:
    variant: Document
    for variant in product["variants"]:
        if variant["id"] == variant_id:
            return variant
    return None


def sku_taken(
    store: Store,
    sku: str,
    *,
    product_id: int | None = None,
    variant_id: int | None = None,
    extra: Iterable[str] = (),
) -> bool:
    """Whether another product or variant already has ``sku`` (case-insensitively).

    ``product_id``/``variant_id`` name the item being written: its own SKU (and the base
    variant's mirror of the product's SKU) is no conflict. ``extra`` are lower-cased SKUs
    claimed earlier in the same request.
    """
    key = sku.lower()
    if key in set(extra):
        return True
    for doc in products(store).lookup("sku", key):
        if doc["id"] != product_id:
            return True
        base = doc.get("base_variant_id")
        own_product = variant_id is None or variant_id == base
        if doc["sku"].lower() == key and not own_product:
            return True
        for variant in doc["variants"]:
            if variant["id"] in (variant_id, base) or variant["sku"].lower() != key:
                continue
            return True
    return False


# -- rendering ------------------------------------------------------------------------------------
def primary_image(doc: Document) -> Document | None:
    image: Document
    for image in doc["images"]:
        if image["is_thumbnail"]:
            return image
    return None


def render_product(doc: Document, includes: Iterable[str] = ()) -> dict[str, Any]:
    """The API representation of a stored product with the requested sub-resources."""
    out = {k: v for k, v in doc.items() if k not in SUBRESOURCES}
    for name in includes:
        if name in SUBRESOURCES:
            out[name] = doc[name]
        elif name == "primary_image":
            image = primary_image(doc)
            if image is not None:
                out["primary_image"] = image
    return out


def calculated_price(doc: Document) -> float:
    sale = doc.get("sale_price") or 0
    return float(sale if sale else doc.get("price") or 0)


def refresh_variants(product: Document) -> None:
    """Recompute the derived prices of ``product`` and its variants after a change."""
    product["calculated_price"] = calculated_price(product)
    for variant in product["variants"]:
        price = variant.get("price", product["price"])
        sale = variant.get("sale_price", product["sale_price"])
        variant["calculated_price"] = float(sale if sale else price)
        weight = variant.get("weight", product["weight"])
        variant["calculated_weight"] = float(weight)


def touch(store: Store, product: Document) -> Document:
    """Save ``product`` after a change: derived fields and ``date_modified`` updated."""
    product["date_modified"] = now_iso()
    refresh_variants(product)
    return products(store).save(product)


# -- variants and options -------------------------------------------------------------------------
def new_variant(store: Store, product_id: int, sku: str, fields: dict[str, Any]) -> Document:
    variant: Document = {
        "id": store.next_counter("catalog_variants"),
        "product_id": product_id,
        "sku": sku,
        "is_free_shipping": False,
        "purchasing_disabled": False,
        "purchasing_disabled_message": "",
        "image_url": "",
        "upc": "",
        "inventory_level": 0,
        "inventory_warning_level": 0,
        "bin_picking_number": "",
        "mpn": "",
        "gtin": "",
        "option_values": [],
        "calculated_price": 0.0,
        "calculated_weight": 0.0,
    }
    set_variant_fields(variant, fields)
    return variant


def set_variant_fields(variant: Document, fields: dict[str, Any]) -> None:
    """Update ``variant``; a null price, weight or dimension means "inherit the product's"
    and is stored (and answered) as an absent field: BigCommerce sends ``null``, but the
    spec's list schemas type these fields as non-nullable numbers."""
    for name, value in fields.items():
        if value is None:
            variant.pop(name, None)
        else:
            variant[name] = value


def new_base_variant(store: Store, product: Document) -> Document:
    return new_variant(store, product["id"], product["sku"], {})


def variant_errors(
    variant: dict[str, Any], prefix: str, *, creating: bool, embedded: bool = False
) -> dict[str, str]:
    required = ("sku", "option_values") if creating else ()
    ignored = (*VARIANT_READ_ONLY, "product_id") if embedded else VARIANT_READ_ONLY
    errors = field_errors(
        variant, VARIANT_FIELDS, required=required, ignored=ignored, prefix=prefix
    )
    values = variant.get("option_values")
    if isinstance(values, list) and all(isinstance(v, dict) for v in values):
        if creating and not values and f"{prefix}option_values" not in errors:
            errors[f"{prefix}option_values"] = "a variant needs at least one option value"
        for j, ref in enumerate(values):
            where = f"{prefix}option_values[{j}]."
            errors.update(field_errors(ref, OPTION_VALUE_REF_FIELDS, prefix=where))
            by_name = ref.get("option_display_name") and ref.get("label")
            by_id = ref.get("id") and ref.get("option_id")
            if not by_name and not by_id:
                errors[f"{where}option_id"] = (
                    "each option value needs option_id and id, or option_display_name and label"
                )
    return errors


def option_value_overflow(
    options: Sequence[Document], variants: Sequence[dict[str, Any]], where: str
) -> dict[str, str]:
    """422 problems of new ``variants`` that name, by ``option_display_name`` and ``label``,
    more values of one option than it may hold (counted with those of the product's
    ``options``), keyed at the variant that names the value one too many.

    Run before :class:`OptionResolver`, which creates such values without counting, so a
    request refused here writes nothing and uses up no id. Variants with an ``id``
    (updates) and references by ids make no values and are skipped.
    """
    labels = {
        o["display_name"].lower(): {v["label"].lower() for v in o["option_values"]} for o in options
    }
    errors: dict[str, str] = {}
    full: set[str] = set()
    for i, variant in enumerate(variants):
        if "id" in variant:
            continue
        for ref in variant.get("option_values") or []:
            if ref.get("option_id") and ref.get("id"):
                continue  # an existing value, as the resolver reads it
            name, label = str(ref["option_display_name"]), str(ref["label"])
            held = labels.setdefault(name.lower(), set())
            held.add(label.lower())
            if len(held) > MAX_OPTION_VALUES and name.lower() not in full:
                full.add(name.lower())
                errors[f"{where}[{i}].option_values"] = (
                    f"an option has at most {MAX_OPTION_VALUES} values; this variant would"
                    f" give option {name!r} value number {MAX_OPTION_VALUES + 1}"
                )
    return errors


class OptionResolver:
    """Resolves variant option values against a product's options, creating missing ones.

    References by ``option_display_name`` + ``label`` create the option (type
    ``radio_buttons``) or value when missing, as ``POST /catalog/products`` does; references
    by ``option_id`` + ``id`` must exist (422 otherwise). Nothing is stored until
    :meth:`apply`.
    """

    def __init__(self, store: Store, product: Document, *, may_create: bool) -> None:
        self.store = store
        self.product = product
        self.may_create = may_create
        self.options: list[Document] = [
            {**o, "option_values": list(o["option_values"])} for o in product["options"]
        ]

    def _option_named(self, name: str) -> Document | None:
        for option in self.options:
            if option["display_name"].lower() == name.lower():
                return option
        return None

    def resolve(self, refs: Sequence[dict[str, Any]], where: str) -> list[dict[str, Any]]:
        resolved: list[dict[str, Any]] = []
        seen_options: set[int] = set()
        for j, ref in enumerate(refs):
            if ref.get("option_id") and ref.get("id"):
                option = next((o for o in self.options if o["id"] == ref["option_id"]), None)
                value = (
                    next((v for v in option["option_values"] if v["id"] == ref["id"]), None)
                    if option
                    else None
                )
                if option is None or value is None:
                    raise ApiProblem(
                        422,
                        INVALID,
                        {f"{where}option_values[{j}]": "no such option value on this product"},
                    )
            else:
                name, label = str(ref["option_display_name"]), str(ref["label"])
                option = self._option_named(name)
                if option is None:
                    if not self.may_create:
                        raise ApiProblem(
                            422, INVALID, {f"{where}option_values[{j}]": f"no option {name!r}"}
                        )
                    option = {
                        "id": self.store.next_counter("catalog_options"),
                        "product_id": self.product["id"],
                        "display_name": name,
                        "type": "radio_buttons",
                        "config": {},
                        "sort_order": len(self.options),
                        "option_values": [],
                        "name": f"{name}{self.product['id']}",
                    }
                    self.options.append(option)
                value = next(
                    (v for v in option["option_values"] if v["label"].lower() == label.lower()),
                    None,
                )
                if value is None:
                    value = {
                        "id": self.store.next_counter("catalog_option_values"),
                        "label": label,
                        "sort_order": len(option["option_values"]),
                        "is_default": False,
                    }
                    option["option_values"].append(value)
            if option["id"] in seen_options:
                raise ApiProblem(
                    422,
                    INVALID,
                    {f"{where}option_values[{j}]": "two values of the same option on one variant"},
                )
            seen_options.add(option["id"])
            resolved.append(
                {
                    "id": value["id"],
                    "label": value["label"],
                    "option_id": option["id"],
                    "option_display_name": option["display_name"],
                }
            )
        return resolved

    def apply(self) -> None:
        self.product["options"] = self.options


def same_option_values(variant: Document, refs: Sequence[dict[str, Any]]) -> bool:
    """Whether ``refs`` (by ids, or by option name and label) are the variant's own option
    values: a client may echo them back in an update, but not change them."""
    own_ids = {(v["option_id"], v["id"]) for v in variant["option_values"]}
    own_names = {
        (v["option_display_name"].lower(), v["label"].lower()) for v in variant["option_values"]
    }
    if len(refs) != len(own_ids):
        return False
    for ref in refs:
        by_id = (ref.get("option_id"), ref.get("id")) in own_ids
        name, label = ref.get("option_display_name"), ref.get("label")
        by_name = (
            isinstance(name, str)
            and isinstance(label, str)
            and (name.lower(), label.lower()) in own_names
        )
        if not by_id and not by_name:
            return False
    return True


def combination(option_values: Iterable[dict[str, Any]]) -> frozenset[int]:
    return frozenset(int(v["id"]) for v in option_values)


def add_option_variant(product: Document, variant: Document) -> None:
    """Append an option variant, replacing the base variant of a simple product."""
    if product.get("base_variant_id") is not None:
        product["variants"] = [
            v for v in product["variants"] if v["id"] != product["base_variant_id"]
        ]
        del product["base_variant_id"]
    product["variants"].append(variant)


def drop_variants(store: Store, product: Document, keep: Any) -> None:
    """Keep only variants for which ``keep(variant)`` holds; a product left with none gets a
    new base variant (a product always has at least one variant)."""
    product["variants"] = [v for v in product["variants"] if keep(v)]
    if not product["variants"]:
        base = new_base_variant(store, product)
        product["variants"] = [base]
        product["base_variant_id"] = base["id"]


# -- custom fields, bulk pricing, images ----------------------------------------------------------
def custom_field_errors(
    fields: Sequence[dict[str, Any]], prefix: str, *, existing: Sequence[Document] = ()
) -> dict[str, str]:
    """422 problems of new custom fields (see :func:`check_custom_field_pairs` for 409s)."""
    errors: dict[str, str] = {}
    for i, item in enumerate(fields):
        where = f"{prefix}[{i}]."
        errors.update(
            field_errors(
                item, CUSTOM_FIELD_FIELDS, required=("name", "value"), ignored=("id",), prefix=where
            )
        )
    if len(existing) + len(fields) > MAX_CUSTOM_FIELDS:
        errors[prefix] = f"a product has at most {MAX_CUSTOM_FIELDS} custom fields"
    return errors


def check_custom_field_pairs(
    fields: Sequence[dict[str, Any]], prefix: str, *, existing: Sequence[Document] = ()
) -> None:
    """409 when a (name, value) pair would appear twice on one product."""
    pairs = {(f["name"], f["value"]) for f in existing}
    for i, item in enumerate(fields):
        pair = (item["name"], item["value"])
        if pair in pairs:
            raise conflict(
                f"{prefix}[{i}].name", "a custom field with this name and value already exists"
            )
        pairs.add(pair)


def bulk_rule_errors(rule: dict[str, Any], where: str) -> dict[str, str]:
    errors = field_errors(
        rule,
        BULK_RULE_FIELDS,
        required=("quantity_min", "quantity_max", "type", "amount"),
        ignored=("id",),
        prefix=where,
    )
    amount = rule.get("amount")
    if amount is not None and f"{where}amount" not in errors:
        try:
            number = float(amount)
        except (TypeError, ValueError):
            number = -1.0
        if isinstance(amount, bool) or number < 0:
            errors[f"{where}amount"] = "amount must be a non-negative number"
    if not errors:
        low, high = rule["quantity_min"], rule["quantity_max"]
        if high and high < low:
            errors[f"{where}quantity_max"] = (
                "quantity_max must be 0 (no maximum) or >= quantity_min"
            )
        if rule["type"] == "percent" and float(str(amount)) > 100:
            errors[f"{where}amount"] = "a percent discount is at most 100"
    return errors


def rules_overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two quantity ranges overlap (``quantity_max`` 0 means no upper bound)."""
    a_max = a["quantity_max"] or float("inf")
    b_max = b["quantity_max"] or float("inf")
    return bool(a["quantity_min"] <= b_max and b["quantity_min"] <= a_max)


def make_bulk_rule(store: Store, rule: dict[str, Any]) -> Document:
    amount = rule["amount"]
    return {
        "id": store.next_counter("catalog_bulk_pricing_rules"),
        "quantity_min": rule["quantity_min"],
        "quantity_max": rule["quantity_max"],
        "type": rule["type"],
        "amount": float(amount) if not isinstance(amount, (int, float)) else amount,
    }


def image_document(
    store: Store,
    product_id: int,
    fields: dict[str, Any],
    *,
    urls: dict[str, str] | None = None,
    file_name: str = "",
) -> Document:
    """A product image. ``urls`` (standard/zoom/thumbnail/tiny) point at the sandbox's image
    route for uploaded files; an ``image_url`` image is served from that URL as given
    (the sandbox does not download it)."""
    source = str(fields.get("image_url", ""))
    urls = urls or {"standard": source, "zoom": source, "thumbnail": source, "tiny": source}
    return {
        "id": store.next_counter("catalog_images"),
        "product_id": product_id,
        "is_thumbnail": bool(fields.get("is_thumbnail", False)),
        "sort_order": int(fields.get("sort_order", 0)),
        "description": str(fields.get("description", "")),
        "image_file": file_name or source.rsplit("/", 1)[-1],
        "url_zoom": urls["zoom"],
        "url_standard": urls["standard"],
        "url_thumbnail": urls["thumbnail"],
        "url_tiny": urls["tiny"],
        "date_modified": now_iso(),
    }


def add_image(product: Document, image: Document) -> None:
    """Add ``image``; at most one thumbnail per product, the first image is the default one."""
    if image["is_thumbnail"]:
        for other in product["images"]:
            other["is_thumbnail"] = False
    elif not product["images"]:
        image["is_thumbnail"] = True
    product["images"].append(image)
    product["images"].sort(key=lambda i: (i["sort_order"], i["id"]))


def video_document(store: Store, product_id: int, fields: dict[str, Any]) -> Document:
    return {
        "id": store.next_counter("catalog_videos"),
        "product_id": product_id,
        "title": str(fields.get("title", "")),
        "description": str(fields.get("description", "")),
        "sort_order": int(fields.get("sort_order", 0)),
        "type": "youtube",
        "video_id": str(fields["video_id"]),
        "length": "00:00",
    }


# -- references to brands and categories ----------------------------------------------------------
def check_references(store: Store, body: dict[str, Any]) -> None:
    """409 for an unknown ``brand_id`` or category id, as the spec's 409 describes."""
    brand_id = body.get("brand_id")
    if brand_id and store.collection(BRANDS).get(brand_id) is None:
        raise conflict("brand_id", f"Brand {brand_id} does not exist")
    categories = store.collection(CATEGORIES)
    missing = [c for c in body.get("categories") or () if categories.get(c) is None]
    if missing:
        raise conflict(
            "categories", f"Categories do not exist: {', '.join(str(c) for c in missing)}"
        )


def find_brand(store: Store, name: str) -> Document | None:
    found = store.collection(BRANDS).lookup("name", name.lower())
    return found[0] if found else None


def create_brand_named(store: Store, name: str) -> Document:
    """A new brand with default fields (used for ``brand_name`` on products)."""
    return new_brand(store, {"name": name})


# -- products -------------------------------------------------------------------------------------
def _check_custom_url(store: Store, body: dict[str, Any], me: tuple[str, int | None]) -> None:
    custom = body.get("custom_url")
    if custom is None:
        return
    url = custom.get("url")
    if not isinstance(url, str) or not url.startswith("/") or len(url) > 255:
        raise ApiProblem(
            422, INVALID, {"custom_url.url": "must be a path starting with '/' (<= 255 characters)"}
        )
    unknown = set(custom) - {"url", "is_customized", "create_redirect"}
    if unknown:
        raise ApiProblem(
            422, INVALID, {f"custom_url.{n}": "is not a valid field" for n in sorted(unknown)}
        )
    check_url_free(store, url, me, "custom_url.url")


def _check_product_uniques(
    store: Store, body: dict[str, Any], product_id: int | None, claimed: dict[str, set[str]]
) -> None:
    name = body.get("name")
    if name is not None:
        for other in products(store).lookup("name", name.lower()):
            if other["id"] != product_id:
                raise conflict("name", f"The product name {name!r} is already in use")
        if name.lower() in claimed["name"]:
            raise conflict("name", f"The product name {name!r} appears twice in this request")
    sku = body.get("sku")
    if sku and sku_taken(store, sku, product_id=product_id, extra=claimed["sku"]):
        raise conflict("sku", f"The SKU {sku!r} is already in use")
    _check_custom_url(store, body, ("product", product_id))
    url = (body.get("custom_url") or {}).get("url")
    if url:
        taken_here = claimed.setdefault("url", set())
        if url.lower() in taken_here:
            raise conflict("custom_url.url", f"The URL {url!r} appears twice in this request")
        taken_here.add(url.lower())


def _validate_create(store: Store, body: dict[str, Any]) -> None:
    errors = field_errors(
        body,
        PRODUCT_FIELDS,
        required=("name", "type", "weight", "price"),
        ignored=PRODUCT_READ_ONLY,
    )
    for i, variant in enumerate(_items(body, "variants", errors)):
        errors.update(variant_errors(variant, f"variants[{i}].", creating=True, embedded=True))
    if len(body.get("variants") or ()) > MAX_VARIANTS:
        errors["variants"] = f"a product has at most {MAX_VARIANTS} variants"
    errors.update(custom_field_errors(_items(body, "custom_fields", errors), "custom_fields"))
    for i, rule in enumerate(_items(body, "bulk_pricing_rules", errors)):
        errors.update(bulk_rule_errors(rule, f"bulk_pricing_rules[{i}]."))
    images = _items(body, "images", errors)
    if len(images) > MAX_IMAGES:
        errors["images"] = f"a product has at most {MAX_IMAGES} images"
    for i, image in enumerate(images):
        errors.update(
            field_errors(
                image,
                IMAGE_FIELDS,
                required=("image_url",),
                ignored=IMAGE_READ_ONLY,
                prefix=f"images[{i}].",
            )
        )
    if sum(1 for image in images if image.get("is_thumbnail")) > 1:
        errors["images"] = "at most one image may be the thumbnail"
    for i, video in enumerate(_items(body, "videos", errors)):
        errors.update(
            field_errors(
                video,
                VIDEO_FIELDS,
                required=("video_id",),
                ignored=("id", "product_id", "length"),
                prefix=f"videos[{i}].",
            )
        )
    if errors:
        raise ApiProblem(422, INVALID, errors)


def _items(body: dict[str, Any], name: str, errors: dict[str, str]) -> list[dict[str, Any]]:
    value = body.get(name)
    if name in errors or not isinstance(value, list):
        return []
    return value


def create_product(store: Store, payload: dict[str, Any]) -> Document:
    """Create a product exactly as ``POST /v3/catalog/products`` does and return it.

    Raises :class:`ApiProblem` (422 invalid/missing fields, 409 duplicate name/SKU/URL,
    unknown brand or category, overlapping bulk pricing rules) before changing anything.
    The returned document is the stored one (render it with :func:`render_product`).
    """
    if not isinstance(payload, dict):
        raise ApiProblem(422, INVALID, {"body": "expected a JSON object"})
    _validate_create(store, payload)
    claimed: dict[str, set[str]] = {"name": set(), "sku": set()}
    _check_product_uniques(store, payload, None, claimed)
    check_custom_field_pairs(payload.get("custom_fields") or [], "custom_fields")
    check_references(store, payload)
    variants_in = payload.get("variants") or []
    skus = {payload["sku"].lower()} if payload.get("sku") else set()
    for i, variant in enumerate(variants_in):
        key = variant["sku"].lower()
        if key in skus or sku_taken(store, variant["sku"]):
            raise conflict(f"variants[{i}].sku", f"The SKU {variant['sku']!r} is already in use")
        skus.add(key)
    rules = payload.get("bulk_pricing_rules") or []
    for i, rule in enumerate(rules):
        for j in range(i):
            if rules_overlap(rules[j], rule):
                raise conflict(
                    f"bulk_pricing_rules[{i}]", f"overlaps the quantity range of rule {j}"
                )
    brand_name = payload.get("brand_name")
    brand = find_brand(store, brand_name) if brand_name and not payload.get("brand_id") else None
    if brand_name and brand is None and not payload.get("brand_id"):
        check_new_brand(store, {"name": brand_name})
    # A new product has no options yet: variants name their option values, which are
    # created. Check the combinations by name first so that nothing (not even an id) is
    # used up by a request that fails.
    named: set[frozenset[tuple[str, str]]] = set()
    for i, variant in enumerate(variants_in):
        refs = variant["option_values"]
        if not all(r.get("option_display_name") and r.get("label") for r in refs):
            raise ApiProblem(
                422,
                INVALID,
                {f"variants[{i}].option_values": "name values by option_display_name and label"},
            )
        names = [str(r["option_display_name"]).lower() for r in refs]
        if len(set(names)) != len(names):
            raise ApiProblem(
                422,
                INVALID,
                {f"variants[{i}].option_values": "two values of the same option on one variant"},
            )
        combo_names = frozenset(
            (str(r["option_display_name"]).lower(), str(r["label"]).lower()) for r in refs
        )
        if combo_names in named:
            raise conflict(f"variants[{i}].option_values", "another variant has the same options")
        named.add(combo_names)
    too_many = option_value_overflow([], variants_in, "variants")
    if too_many:
        raise ApiProblem(422, INVALID, too_many)
    draft: Document = {"id": 0, "options": []}
    resolver = OptionResolver(store, draft, may_create=True)
    resolved = [
        resolver.resolve(variant["option_values"], f"variants[{i}].")
        for i, variant in enumerate(variants_in)
    ]

    # -- valid: store it --------------------------------------------------------------------
    now = now_iso()
    product_id = products(store).new_id()
    doc: Document = {"id": product_id, "name": payload["name"], "type": payload["type"]}
    doc.update(_product_defaults())
    doc.update(known(payload, PRODUCT_FIELDS))
    for name in (*SUBRESOURCES, "brand_name"):
        doc.pop(name, None)
    doc["weight"] = float(payload["weight"])
    doc["price"] = float(payload["price"])
    if brand_name and not payload.get("brand_id"):
        doc["brand_id"] = (brand or create_brand_named(store, brand_name))["id"]
    custom = payload.get("custom_url")
    if custom:
        doc["custom_url"] = {
            "url": custom["url"],
            "is_customized": bool(custom.get("is_customized", True)),
        }
    else:
        doc["custom_url"] = {
            "url": free_url(store, f"/{slug(payload['name'])}/"),
            "is_customized": False,
        }
    doc["categories"] = sorted(set(doc["categories"]))
    doc["date_created"] = now
    doc["date_modified"] = now
    doc.update({name: [] for name in SUBRESOURCES})
    for option in resolver.options:
        option["product_id"] = product_id
        option["name"] = f"{option['display_name']}{product_id}"
    doc["options"] = resolver.options
    if variants_in:
        for variant, values in zip(variants_in, resolved, strict=True):
            fields = known(variant, VARIANT_FIELDS)
            fields.pop("product_id", None)
            fields["option_values"] = values
            created = new_variant(store, product_id, variant["sku"], fields)
            created["sku_id"] = created["id"]
            doc["variants"].append(created)
    else:
        base = new_base_variant(store, doc)
        doc["variants"] = [base]
        doc["base_variant_id"] = base["id"]
    doc["custom_fields"] = [
        {"id": store.next_counter("catalog_custom_fields"), "name": f["name"], "value": f["value"]}
        for f in payload.get("custom_fields") or []
    ]
    doc["bulk_pricing_rules"] = [make_bulk_rule(store, r) for r in rules]
    for image in payload.get("images") or []:
        add_image(doc, image_document(store, product_id, image))
    doc["videos"] = [video_document(store, product_id, v) for v in payload.get("videos") or []]
    refresh_variants(doc)
    return products(store).save(doc)


SCALAR_UPDATES = frozenset(PRODUCT_FIELDS) - {*SUBRESOURCES, "brand_name"}


def validate_update(
    store: Store,
    product: Document,
    body: dict[str, Any],
    claimed: dict[str, set[str]],
    prefix: str = "",
) -> list[Callable[[], None]]:
    """Every check of a product update (single or batch item); raises, changes nothing.

    Returns the pending changes of embedded sub-resource arrays (see
    :mod:`catalog_embedded`) for :func:`apply_update`.
    """
    errors = field_errors(body, PRODUCT_FIELDS, ignored=PRODUCT_READ_ONLY, prefix=prefix)
    if errors:
        raise ApiProblem(422, INVALID, errors)
    _check_product_uniques(store, body, product["id"], claimed)
    check_references(store, body)
    if (
        body.get("brand_name")
        and not body.get("brand_id")
        and find_brand(store, body["brand_name"]) is None
    ):
        check_new_brand(store, {"name": body["brand_name"]})
    # catalog_embedded builds on this module, hence the import at call time.
    from reconciler.sandbox.resources.catalog_embedded import plan_embedded

    pending = plan_embedded(store, product, body, claimed["sku"], prefix)
    if body.get("name"):
        claimed["name"].add(body["name"].lower())
    if body.get("sku"):
        claimed["sku"].add(body["sku"].lower())
    return pending


def apply_update(
    store: Store,
    product: Document,
    body: dict[str, Any],
    pending: Iterable[Callable[[], None]] = (),
) -> Document:
    """Apply a validated update (see :func:`validate_update`); ``categories`` replaces."""
    for change in pending:
        change()
    fields = {k: v for k, v in known(body, PRODUCT_FIELDS).items() if k in SCALAR_UPDATES}
    custom = fields.pop("custom_url", None)
    product.update(fields)
    if custom is not None:
        product["custom_url"] = {
            "url": custom["url"],
            "is_customized": bool(custom.get("is_customized", True)),
        }
    if "categories" in fields:
        product["categories"] = sorted(set(fields["categories"]))
    if body.get("brand_name") and not body.get("brand_id"):
        brand = find_brand(store, body["brand_name"]) or create_brand_named(
            store, body["brand_name"]
        )
        product["brand_id"] = brand["id"]
    base_id = product.get("base_variant_id")
    if "sku" in fields and base_id is not None:
        base = find_variant(product, base_id)
        if base is not None:
            base["sku"] = product["sku"]
    return touch(store, product)


def update_product(store: Store, product_id: int, payload: dict[str, Any]) -> Document:
    """``PUT /v3/catalog/products/{id}`` as a library call."""
    product = get_product(store, product_id)
    pending = validate_update(store, product, payload, {"name": set(), "sku": set()})
    return apply_update(store, product, payload, pending)


def delete_product(store: Store, product_id: int) -> None:
    """Delete a product with its sub-resources, metafields and uploaded image files."""
    doc = products(store).delete(product_id)
    if doc is None:
        return
    delete_metafields(store, "product", [product_id])
    delete_metafields(store, "variant", [v["id"] for v in doc["variants"]])
    # catalog_images builds on this module, hence the import at call time.
    from reconciler.sandbox.resources.catalog_images import forget_files

    forget_files(store, doc["images"])
