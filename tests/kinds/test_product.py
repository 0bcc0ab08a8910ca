from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from reconciler.kinds.base import FileRef, Reference, UniqueValue
from reconciler.kinds.product import Product, ProductKind
from tests.kinds.helpers import assert_rejected, rejected

KIND = ProductKind()


def base(**extra: Any) -> dict[str, Any]:
    return {
        "sku": "TRAIL-01",
        "name": "Trail Runner",
        "type": "physical",
        "price": 89,
        "weight": 0.8,
    } | extra


SIZE = {"display_name": "Size", "type": "rectangles", "values": [{"label": "S"}, {"label": "M"}]}
COLOUR = {
    "display_name": "Colour",
    "type": "swatch",
    "values": [
        {"label": "Red", "value_data": {"colors": ["#CC0000"]}},
        {"label": "Blue", "value_data": {"colors": ["#0000CC"]}, "is_default": True},
    ],
}


def variant(sku: str, **values: str) -> dict[str, Any]:
    return {"sku": sku, "option_values": values}


def test_a_full_product_validates() -> None:
    product = Product.model_validate(
        base(
            sale_price="79.50",
            description="<p>Grippy.</p>",
            brand="Summit Gear",
            categories=["Footwear/Trail", "Sale"],
            inventory_tracking="variant",
            availability="available",
            condition="New",
            custom_url="/trail-runner/",
            gtin="01234567890128",
            options=[SIZE, COLOUR],
            variants=[
                variant("TRAIL-01-S-RED", Size="S", Colour="Red") | {"inventory_level": 4},
                variant("TRAIL-01-M-BLUE", Size="M", Colour="Blue") | {"image": "images/blue.png"},
            ],
            modifiers=[
                {"display_name": "Engraving", "type": "text", "required": False},
                {
                    "display_name": "Laces",
                    "type": "dropdown",
                    "required": True,
                    "values": [
                        {"label": "Standard", "is_default": True},
                        {
                            "label": "Quick-lace",
                            "adjusters": {"price": {"adjuster": "relative", "adjuster_value": 5}},
                        },
                    ],
                },
            ],
            images=[
                {"file": "images/trail-01.png", "is_thumbnail": True, "description": "Side"},
                {"url": "https://cdn.example.com/trail-01-top.png"},
            ],
            custom_fields=[{"name": "Drop", "value": "6 mm"}, {"name": "Stack", "value": "8 mm"}],
            bulk_pricing_rules=[
                {"quantity_min": 2, "quantity_max": 4, "type": "percent", "amount": 5},
                {"quantity_min": 5, "quantity_max": 0, "type": "percent", "amount": 10},
            ],
            protect=True,
        )
    )
    assert product.sale_price == Decimal("79.50")
    assert product.variants is not None and product.variants[0].inventory_level == 4
    assert product.retail_price is None and "retail_price" not in product.model_fields_set


def test_required_fields() -> None:
    for field in ("sku", "name", "type", "price", "weight"):
        data = base()
        del data[field]
        assert_rejected(Product, data, (field,), "Field required")


@pytest.mark.parametrize(
    ("extra", "loc", "fragment"),
    [
        ({"name": "x" * 251}, ("name",), "at most 250"),
        ({"sku": " TRAIL"}, ("sku",), "pattern"),
        ({"sku": "x" * 256}, ("sku",), "at most 255"),
        ({"price": -1}, ("price",), "greater than or equal to 0"),
        ({"price": "1.23456"}, ("price",), "4 decimal places"),
        ({"weight": 10_000_000_000}, ("weight",), "less than or equal to"),
        ({"type": "service"}, ("type",), "'physical' or 'digital'"),
        ({"inventory_tracking": "sku"}, ("inventory_tracking",), "'none', 'product' or 'variant'"),
        ({"availability": "soon"}, ("availability",), "available"),
        ({"condition": "new"}, ("condition",), "'New', 'Used' or 'Refurbished'"),
        ({"gtin": "1" * 15}, ("gtin",), "at most 14"),
        ({"upc": "1" * 15}, ("upc",), "at most 14"),
        ({"inventory_level": -1}, ("inventory_level",), "greater than or equal to 0"),
        ({"categories": ["Footwear//Trail"]}, ("categories", 0), "empty name"),
        ({"categories": ["Sale", "Sale"]}, ("categories",), "listed more than once"),
        ({"custom_url": "trail"}, ("custom_url",), "starting with '/'"),
        ({"brand_id": 3}, ("brand_id",), "Extra inputs"),
        ({"protect": "maybe"}, ("protect",), "valid boolean"),
    ],
)
def test_field_constraints(extra: dict[str, Any], loc: tuple[Any, ...], fragment: str) -> None:
    assert_rejected(Product, base(**extra), loc, fragment)


def test_option_rules() -> None:
    assert_rejected(
        Product,
        base(options=[SIZE, SIZE | {"display_name": "size"}]),
        ("options",),
        "'size' is used more than once",
    )
    twice = SIZE | {"values": [{"label": "S"}, {"label": "s"}]}
    assert_rejected(
        Product, base(options=[twice]), ("options", 0), "lists value 's' more than once"
    )
    defaults = SIZE | {
        "values": [{"label": "S", "is_default": True}, {"label": "M", "is_default": True}]
    }
    assert_rejected(Product, base(options=[defaults]), ("options", 0), "2 default values")
    colour_on_dropdown = COLOUR | {"type": "dropdown"}
    assert_rejected(
        Product, base(options=[colour_on_dropdown]), ("options", 0), "only to swatch options"
    )
    assert_rejected(
        Product, base(options=[SIZE | {"values": []}]), ("options", 0, "values"), "at least 1 item"
    )
    many = SIZE | {"values": [{"label": str(n)} for n in range(251)]}
    assert_rejected(Product, base(options=[many]), ("options", 0, "values"), "at most 250 items")
    assert_rejected(
        Product, base(options=[SIZE | {"type": "text"}]), ("options", 0, "type"), "radio_buttons"
    )
    swatch_both = {"colors": ["#000000"], "image_url": "https://x.io/a.png"}
    both = COLOUR | {"values": [{"label": "Red", "value_data": swatch_both}]}
    assert_rejected(
        Product, base(options=[both]), ("options", 0, "values", 0, "value_data"), "only one of"
    )
    bad_hex = COLOUR | {"values": [{"label": "Red", "value_data": {"colors": ["red"]}}]}
    assert_rejected(
        Product,
        base(options=[bad_hex]),
        ("options", 0, "values", 0, "value_data", "colors", 0),
        "pattern",
    )


def test_variants_must_name_every_declared_option_and_value() -> None:
    options = [SIZE, COLOUR]
    ok = variant("V1", Size="S", Colour="Red")
    assert_rejected(
        Product,
        base(options=options, variants=[variant("V1", Size="S")]),
        ("variants",),
        "variant V1: no value for option 'Colour'",
    )
    assert_rejected(
        Product,
        base(
            options=options,
            variants=[ok | {"option_values": {"Size": "S", "Colour": "Red", "Fit": "Wide"}}],
        ),
        ("variants",),
        "option 'Fit' is not declared",
    )
    assert_rejected(
        Product,
        base(options=options, variants=[variant("V1", Size="XL", Colour="Red")]),
        ("variants",),
        "'XL' is not a value of option 'Size'; its values are 'M', 'S'",
    )
    assert_rejected(
        Product,
        base(options=options, variants=[ok, variant("V2", Size="S", Colour="Red")]),
        ("variants", 1, "option_values"),
        "variant V2 has the same option values as variant V1: Colour=Red, Size=S",
    )
    # A repeated variant SKU is a store-wide SKU clash, reported with both places by the
    # cross-item check (tests/state/broken/duplicate-variant-skus-every-one.yaml).
    repeated = Product.model_validate(
        base(options=options, variants=[ok, variant("v1", Size="M", Colour="Red")])
    )
    skus = [v.value for v in KIND.unique_values(repeated) if v.namespace == "SKU"]
    assert skus == ["trail-01", "v1", "v1"]
    assert_rejected(
        Product, base(variants=[variant("V1", Size="S")]), ("variants",), "variants need options"
    )
    assert_rejected(
        Product,
        base(options=options, variants=[ok | {"option_values": {}}]),
        ("variants", 0, "option_values"),
        "at least 1 item",
    )


def test_variant_limit() -> None:
    values = [{"label": str(n)} for n in range(250)]
    options = [
        {"display_name": "A", "type": "dropdown", "values": values},
        {"display_name": "B", "type": "dropdown", "values": values[:3]},
    ]
    variants = [variant(f"V{n}", A=str(n % 250), B=str(n // 250)) for n in range(601)]
    assert_rejected(
        Product, base(options=options, variants=variants), ("variants",), "at most 600 items"
    )
    assert (
        Product.model_validate(base(options=options, variants=variants[:600])).variants is not None
    )


def test_inventory_tracking_must_fit_where_stock_is_set() -> None:
    assert_rejected(
        Product,
        base(inventory_tracking="variant", inventory_level=5),
        ("inventory_level",),
        "set inventory_level on each variant",
    )
    # The spec says a product level takes no effect without tracking, not that it is
    # dropped: kept with 'none' (and with 'product', where it counts).
    for tracking in ("product", "none"):
        product = Product.model_validate(
            base(inventory_tracking=tracking, inventory_level=5, inventory_warning_level=2)
        )
        assert product.inventory_level == 5


@pytest.mark.parametrize("tracking", [None, "none", "product", "variant"])
@pytest.mark.parametrize("field", ["inventory_level", "inventory_warning_level"])
def test_variant_stock_is_accepted_under_any_inventory_tracking(
    tracking: str | None, field: str
) -> None:
    # BigCommerce accepts (and keeps) a variant's stock whatever the product's tracking.
    stocked = [variant("V1", Size="S"), variant("V2", Size="M") | {field: 3}]
    declared = {} if tracking is None else {"inventory_tracking": tracking}
    product = Product.model_validate(base(**declared, options=[SIZE], variants=stocked))
    assert product.variants is not None and getattr(product.variants[1], field) == 3


def test_variant_stock_is_not_reported_twice_over_a_bad_inventory_tracking() -> None:
    stocked = [variant("V1", Size="S") | {"inventory_level": 3}]
    errors = rejected(Product, base(inventory_tracking="sku", options=[SIZE], variants=stocked))
    assert [where for where, _ in errors] == [("inventory_tracking",)]


def test_modifier_rules() -> None:
    text = {"display_name": "Note", "type": "text", "required": False}
    assert_rejected(
        Product,
        base(modifiers=[text, text | {"display_name": "NOTE"}]),
        ("modifiers",),
        "'NOTE' is used more than once",
    )
    assert_rejected(
        Product,
        base(modifiers=[text | {"values": [{"label": "a"}]}]),
        ("modifiers", 0),
        "of type text takes no values",
    )
    assert_rejected(
        Product,
        base(modifiers=[text | {"type": "dropdown"}]),
        ("modifiers", 0),
        "needs at least one value",
    )
    assert_rejected(
        Product,
        base(modifiers=[{"display_name": "Note", "type": "text"}]),
        ("modifiers", 0, "required"),
        "Field required",
    )
    two_defaults = text | {
        "type": "radio_buttons",
        "values": [{"label": "a", "is_default": True}, {"label": "b", "is_default": True}],
    }
    assert_rejected(
        Product, base(modifiers=[two_defaults]), ("modifiers", 0), "more than one default value"
    )
    bad_adjuster = text | {
        "type": "dropdown",
        "values": [
            {"label": "a", "adjusters": {"price": {"adjuster": "absolute", "adjuster_value": 1}}}
        ],
    }
    assert_rejected(
        Product,
        base(modifiers=[bad_adjuster]),
        ("modifiers", 0, "values", 0, "adjusters", "price", "adjuster"),
        "'relative' or 'percentage'",
    )


def test_option_and_modifier_display_names_are_unique_across_both() -> None:
    note = {"display_name": "size", "type": "text", "required": False}
    engraving = {"display_name": "Engraving", "type": "text", "required": False}
    assert rejected(Product, base(options=[COLOUR, SIZE], modifiers=[engraving, note])) == [
        (
            ("modifiers", 1, "display_name"),
            "modifier 'size' has the display_name of option 'Size': BigCommerce"
            " requires the display names of a product's options and modifiers to be unique"
            " across both (ignoring case); rename the modifier or the option",
        )
    ]
    renamed = note | {"display_name": "Size note"}
    both = Product.model_validate(base(options=[COLOUR, SIZE], modifiers=[engraving, renamed]))
    assert both.modifiers is not None and len(both.modifiers) == 2
    # An option refused on its own is reported once, not again against the modifiers.
    errors = rejected(Product, base(options=[SIZE, SIZE], modifiers=[note]))
    assert [where for where, _ in errors] == [("options", 1, "display_name")]


def test_image_rules() -> None:
    assert_rejected(
        Product, base(images=[{"description": "no source"}]), ("images", 0), "exactly one of file"
    )
    assert_rejected(
        Product,
        base(images=[{"file": "a.png", "url": "https://x.io/a.png"}]),
        ("images", 0),
        "exactly one of file",
    )
    assert_rejected(
        Product,
        base(images=[{"file": "/abs/a.png"}]),
        ("images", 0, "file"),
        "relative to the YAML file",
    )
    assert_rejected(
        Product,
        base(images=[{"file": "images\\a.png"}]),
        ("images", 0, "file"),
        "'/' as the path separator",
    )
    thumbs = [
        {"file": "a.png", "is_thumbnail": True},
        {"file": "b.png"},
        {"file": "c.png", "is_thumbnail": True},
    ]
    assert_rejected(
        Product, base(images=thumbs), ("images",), "images #1, #3 are all marked is_thumbnail"
    )
    assert_rejected(
        Product,
        base(options=[SIZE], variants=[variant("V1", Size="S") | {"image": "/etc/a.png"}]),
        ("variants", 0, "image"),
        "relative",
    )


def test_custom_field_rules() -> None:
    field = {"name": "Drop", "value": "6 mm"}
    # BigCommerce only needs name + value unique, but overlays merge custom fields by name,
    # so a name may appear once per product (compared ignoring case, like the merge).
    for other in (field, {"name": "Drop", "value": "8 mm"}, {"name": "DROP", "value": "8 mm"}):
        assert rejected(Product, base(custom_fields=[field, other])) == [
            (
                ("custom_fields", 1, "name"),
                f"custom field name {other['name']!r} is used more than once (ignoring"
                " case): overlays merge custom fields by name, so each name may appear once per"
                " product; join the values into one field or give each its own name",
            )
        ]
    fields = [field, {"name": "Stack", "value": "6 mm"}]
    assert Product.model_validate(base(custom_fields=fields)).custom_fields is not None
    assert_rejected(
        Product,
        base(custom_fields=[{"name": "x" * 251, "value": "v"}]),
        ("custom_fields", 0, "name"),
        "at most 250",
    )
    assert_rejected(
        Product,
        base(custom_fields=[{"name": "n", "value": ""}]),
        ("custom_fields", 0, "value"),
        "at least 1",
    )
    many = [{"name": "n", "value": str(n)} for n in range(201)]
    assert_rejected(Product, base(custom_fields=many), ("custom_fields",), "at most 200 items")


def rule(low: int, high: int, kind: str = "price", amount: Any = 1) -> dict[str, Any]:
    return {"quantity_min": low, "quantity_max": high, "type": kind, "amount": amount}


def test_bulk_pricing_rules() -> None:
    assert_rejected(
        Product,
        base(bulk_pricing_rules=[rule(0, 5)]),
        ("bulk_pricing_rules", 0, "quantity_min"),
        "greater than or equal to 1",
    )
    assert_rejected(
        Product,
        base(bulk_pricing_rules=[rule(5, 4)]),
        ("bulk_pricing_rules", 0),
        "quantity_max 4 is below quantity_min 5",
    )
    assert_rejected(
        Product,
        base(bulk_pricing_rules=[rule(1, 5, "percent", 101)]),
        ("bulk_pricing_rules", 0),
        "over 100",
    )
    assert_rejected(
        Product,
        base(bulk_pricing_rules=[rule(10, 20), rule(1, 10)]),
        ("bulk_pricing_rules",),
        "overlap: 1 to 10 and 10 to 20",
    )
    assert_rejected(
        Product,
        base(bulk_pricing_rules=[rule(5, 0), rule(50, 60)]),
        ("bulk_pricing_rules",),
        "overlap: 5 and more and 50 to 60",
    )
    assert_rejected(
        Product,
        base(bulk_pricing_rules=[rule(1, 2, "fixed", -1)]),
        ("bulk_pricing_rules", 0, "amount"),
        "greater than or equal to 0",
    )
    ok = Product.model_validate(base(bulk_pricing_rules=[rule(1, 9), rule(10, 0)]))
    assert ok.bulk_pricing_rules is not None and len(ok.bulk_pricing_rules) == 2


def test_key_is_the_sku_case_insensitively_and_merge_keys() -> None:
    product = Product.model_validate(base())
    assert KIND.key(product) == "TRAIL-01"
    assert KIND.match_key("trail-01") == KIND.match_key("TRAIL-01")
    assert dict(KIND.merge_keys) == {
        "variants": ("sku",),
        "options": ("display_name",),
        "modifiers": ("display_name",),
        "custom_fields": ("name",),
    }
    assert KIND.depends_on == ("brand", "category")


def test_references_unique_values_and_files() -> None:
    product = Product.model_validate(
        base(
            brand="Summit",
            categories=["Footwear/Trail", "channel:2/Shoes"],
            custom_url="/trail/",
            options=[
                SIZE,
                {
                    "display_name": "Bundle",
                    "type": "product_list",
                    "values": [{"label": "Socks", "value_data": {"product": "SOCK-01"}}],
                },
            ],
            variants=[
                variant("Trail-01-S", Size="S", Bundle="Socks") | {"image": "images/s.png"},
                variant("TRAIL-01-M", Size="M", Bundle="Socks")
                | {"image": "https://cdn.example.com/m.png"},
            ],
            images=[{"url": "https://cdn.example.com/a.png"}, {"file": "images/trail.png"}],
        )
    )
    assert list(KIND.references(product)) == [
        Reference("brand", "Summit", ("brand",)),
        Reference("category", "Footwear/Trail", ("categories", 0)),
        Reference("category", "channel:2/Shoes", ("categories", 1)),
        Reference("product", "SOCK-01", ("options", 1, "values", 0, "value_data", "product")),
    ]
    assert list(KIND.unique_values(product)) == [
        UniqueValue("SKU", "trail-01", "TRAIL-01", ("sku",)),
        UniqueValue("SKU", "trail-01-s", "Trail-01-S", ("variants", 0, "sku")),
        UniqueValue("SKU", "trail-01-m", "TRAIL-01-M", ("variants", 1, "sku")),
        UniqueValue("product name", "trail runner", "Trail Runner", ("name",)),
        UniqueValue("custom URL", "/trail", "/trail/", ("custom_url",)),
    ]
    assert list(KIND.files(product)) == [
        FileRef("images/trail.png", ("images", 1, "file")),
        FileRef("images/s.png", ("variants", 0, "image")),
    ]


def test_models_are_frozen() -> None:
    product = Product.model_validate(base())
    with pytest.raises(ValueError, match="frozen"):
        product.price = Decimal(1)  # type: ignore[misc]


def test_every_repeat_is_reported_at_its_own_entry() -> None:
    size = {"display_name": "Size", "type": "dropdown",
            "values": [{"label": v} for v in ("S", "s", "M", "S")]}
    fields = [{"name": n, "value": "x"} for n in ("Drop", "Fit", "drop", "DROP")]
    errors = rejected(Product, base(
        categories=["A", "B", "A", "B"],
        options=[size],
        custom_fields=fields,
        variants=[variant(f"V-{i}", Size="M") for i in range(3)]
        + [variant("v-1", Size="M"), variant("V-1", Size="M")],
    ))
    assert sorted(where for where, _ in errors) == sorted([
        ("categories", 2), ("categories", 3),
        ("options", 0, "values", 1, "label"), ("options", 0, "values", 3, "label"),
        ("custom_fields", 2, "name"), ("custom_fields", 3, "name"),
    ])
    # With valid options, each variant's option values are checked too.
    size["values"] = [{"label": "S"}, {"label": "M"}]
    errors = rejected(Product, base(
        options=[size],
        variants=[variant("V-1", Size="S"), variant("V-2", Size="M"), variant("v-1", Size="X"),
                  variant("V-1", Size="S")],
    ))
    assert sorted(where for where, _ in errors) == [
        ("variants", 2, "option_values", "Size"),
        ("variants", 3, "option_values"),
    ]
