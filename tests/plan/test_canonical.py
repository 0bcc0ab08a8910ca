"""Canonicalisation: live-payload quirks that must plan to zero changes, and real changes
that must not disappear."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from reconciler.kinds.registry import kind_named
from reconciler.plan.canonical import (
    ListKey,
    canonical_declared,
    canonical_live,
    collapse_whitespace,
    decimal_text,
    entry_key,
    rules_of,
)
from reconciler.plan.differ import diff

BOOT: dict[str, Any] = {
    "sku": "HIKE-01",
    "name": "Cascade Boot",
    "type": "physical",
    "price": "179.00",
    "weight": 1.4,
    "sale_price": None,
    "inventory_tracking": "variant",
    "brand": "Northfall",
    "categories": ["Footwear/Hiking Boots", "Sale"],
    "meta_keywords": ["boot", "waterproof"],
    "description": "<p>A boot\n   for   rough ground.</p>\n",
    "options": [
        {"display_name": "Size", "type": "rectangles",
         "values": [{"label": "8", "is_default": True}, {"label": "9"}]},
    ],
    "variants": [
        {"sku": "HIKE-01-8", "option_values": {"Size": "8"}, "price": 179.9},
        {"sku": "HIKE-01-9", "option_values": {"Size": "9"}, "inventory_level": 3},
    ],
    "custom_fields": [{"name": "Upper", "value": "Leather"}, {"name": "Sole", "value": "Vibram"}],
    "bulk_pricing_rules": [
        {"quantity_min": 5, "quantity_max": 9, "type": "percent", "amount": "5"},
        {"quantity_min": 10, "quantity_max": 0, "type": "percent", "amount": 10},
    ],
    "protect": True,
}

LIVE_BOOT: dict[str, Any] = {
    # Everything the store says, spelled the way an API answers it.
    "sku": "hike-01",
    "name": "Cascade Boot",
    "type": "physical",
    "price": 179,
    "weight": "1.4000",
    "sale_price": 0,
    "retail_price": 0,
    "inventory_tracking": "variant",
    "brand": "NORTHFALL",
    "categories": ["Sale", "Footwear/Hiking Boots"],
    "meta_keywords": ["waterproof", "boot"],
    "description": "<p>A boot for rough ground.</p>",
    "is_visible": True,
    "options": [
        {"display_name": "Size", "type": "rectangles", "sort_order": 0,
         "values": [{"label": "9", "is_default": False, "sort_order": 1, "value_data": None},
                    {"label": "8", "is_default": True, "sort_order": 0, "value_data": None}]},
    ],
    "variants": [
        {"sku": "HIKE-01-9", "option_values": {"Size": "9"}, "price": None,
         "inventory_level": 3, "sale_price": None},
        {"sku": "Hike-01-8", "option_values": {"Size": "8"}, "price": "179.9000",
         "inventory_level": 0, "sale_price": 0},
    ],
    "custom_fields": [{"name": "Sole", "value": "Vibram"}, {"name": "Upper", "value": "Leather"}],
    "bulk_pricing_rules": [
        {"quantity_min": 10, "quantity_max": 0, "type": "percent", "amount": 10.0},
        {"quantity_min": 5, "quantity_max": 9, "type": "percent", "amount": 5},
    ],
    "protect": True,  # StagingPro's metafield, as the product adapter reads it back
}


def _declared(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    model = kind_named(kind).model.model_validate(data)
    return canonical_declared(kind_named(kind), model.model_dump(mode="json", exclude_unset=True))


def _changes(kind: str, declared: dict[str, Any], live: dict[str, Any]) -> list[Any]:
    kind_ = kind_named(kind)
    return diff(_declared(kind, declared), canonical_live(kind_, live), rules_of(kind_))


def test_a_product_read_back_with_every_quirk_plans_no_change() -> None:
    assert _changes("product", BOOT, LIVE_BOOT) == []


QUIRKS: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("brand", {"name": "Summit", "meta_keywords": ["b", "a"]},
     {"name": "Summit", "meta_keywords": ["a", "b"], "image_url": None}),
    ("brand", {"name": "Summit", "page_title": None}, {"name": "Summit", "page_title": ""}),
    ("category", {"path": "Footwear", "description": "<p>Shoes</p>\r\n\t<p>and boots</p>"},
     {"path": "Footwear", "description": " <p>Shoes</p> <p>and boots</p> "}),
    ("category", {"path": "Footwear", "meta_keywords": []}, {"path": "Footwear"}),
    ("product", {**BOOT, "price": 19.9}, {**LIVE_BOOT, "price": "19.90"}),
    ("product", {**BOOT, "price": "19.900"}, {**LIVE_BOOT, "price": Decimal("19.9")}),
    ("product", {**BOOT, "price": 100}, {**LIVE_BOOT, "price": "100.0000"}),
    ("product", {**BOOT, "width": 0}, {**LIVE_BOOT, "width": None}),
    ("product", {**BOOT, "protect": False}, {k: v for k, v in LIVE_BOOT.items()
                                             if k != "protect"}),
    ("product", {**BOOT, "map_price": None}, {**LIVE_BOOT, "map_price": "0.0000"}),
    ("price_list",
     {"name": "Wholesale", "records": [
         {"sku": "HIKE-01", "currency": "USD", "price": 100},
         {"sku": "HIKE-01", "currency": "EUR", "price": "90.5"}]},
     {"name": "Wholesale", "active": True, "records": [
         {"sku": "hike-01", "currency": "EUR", "price": 90.5, "sale_price": 0},
         {"sku": "HIKE-01", "currency": "USD", "price": "100.00"}]}),
    ("page", {"url": "/about/", "name": "About", "type": "page",
              "body": "<h1>About</h1>\n\n<p>Us</p>", "contact_fields": None},
     {"url": "/about/", "name": "About", "type": "page", "body": "<h1>About</h1> <p>Us</p>",
      "is_visible": True}),
    ("page", {"url": "/contact/", "name": "Contact", "type": "contact_form",
              "contact_fields": ["phone", "fullname"]},
     {"url": "/contact/", "name": "Contact", "type": "contact_form",
      "contact_fields": ["fullname", "phone"]}),
    ("webhook", {"scope": "store/order/*", "destination": "https://example.com/hook",
                 "headers": {"X-Secret": {"env": "HOOK_SECRET"}}},
     {"scope": "store/order/*", "destination": "https://example.com/hook", "is_active": True,
      "headers": {"x-secret": {"env": "HOOK_SECRET"}}}),
    ("customer_group",
     {"name": "Pros", "category_access": {"type": "specific", "categories": ["B", "A"]},
      "discount_rules": [
          {"type": "product", "method": "percent", "amount": 5, "product": "HIKE-01"},
          {"type": "all", "method": "percent", "amount": "2.50"}]},
     {"name": "Pros", "category_access": {"type": "specific", "categories": ["A", "B"]},
      "discount_rules": [
          {"type": "all", "method": "percent", "amount": 2.5},
          {"type": "product", "method": "percent", "amount": "5.0000", "product": "hike-01"}]}),
    ("theme", {"name": "Ridgeline", "version": "1.0.0", "directory": "src"},
     {"name": "Ridgeline", "version": "1.0.0", "variation": "Light"}),
]


@pytest.mark.parametrize(("kind", "declared", "live"), QUIRKS)
def test_live_payload_quirks_plan_no_change(
    kind: str, declared: dict[str, Any], live: dict[str, Any]
) -> None:
    assert _changes(kind, declared, live) == []


REAL_CHANGES: list[tuple[str, dict[str, Any], dict[str, Any], tuple[Any, ...]]] = [
    ("product", {**BOOT, "price": "79"}, LIVE_BOOT, ("price",)),
    ("product", {**BOOT, "sku": "HIKE-01", "categories": ["Sale"]}, LIVE_BOOT, ("categories",)),
    ("product", {**BOOT, "description": "<p>A boot for rough  ground!</p>"}, LIVE_BOOT,
     ("description",)),
    ("product", {**BOOT, "sale_price": "5"}, LIVE_BOOT, ("sale_price",)),
    ("product", {**BOOT, "protect": False}, LIVE_BOOT, ("protect",)),
    ("product", BOOT, {k: v for k, v in LIVE_BOOT.items() if k != "protect"}, ("protect",)),
    ("brand", {"name": "Summit", "page_title": "Summit"},
     {"name": "Summit", "page_title": "summit"}, ("page_title",)),
    ("price_list", {"name": "W", "records": [{"sku": "A", "currency": "USD", "price": 1}]},
     {"name": "W", "records": [{"sku": "A", "currency": "USD", "price": "1.01"}]},
     ("records", "A USD", "price")),
]


@pytest.mark.parametrize(("kind", "declared", "live", "path"), REAL_CHANGES)
def test_real_differences_are_kept(
    kind: str, declared: dict[str, Any], live: dict[str, Any], path: tuple[Any, ...]
) -> None:
    assert [change.path for change in _changes(kind, declared, live)] == [path]


def test_keyed_list_entries_are_added_removed_and_compared_by_key() -> None:
    declared = {**BOOT, "variants": [
        {"sku": "HIKE-01-8", "option_values": {"Size": "8"}, "price": "150"},
        {"sku": "HIKE-01-10", "option_values": {"Size": "9"}},
    ]}
    changes = {(c.path, str(c.before)[:12], str(c.after)[:12])
               for c in _changes("product", declared, LIVE_BOOT)}
    paths = {c[0] for c in changes}
    assert paths == {
        ("variants", "HIKE-01-8", "price"),
        ("variants", "HIKE-01-10"),
        ("variants", "HIKE-01-9"),
    }


def test_images_match_by_position_and_compare_files_by_content_hash() -> None:
    kind = kind_named("product")
    declared = canonical_declared(
        kind,
        {**_declared("product", BOOT), "images": [{"file": "img/a.png", "description": "A"}]},
        declared_in=lambda path: "catalog/products/boot.yaml",
        digest=lambda relative: "f" * 64 if relative == "catalog/products/img/a.png" else None,
    )
    assert declared["images"] == [
        {"file": "catalog/products/img/a.png", "sha256": "f" * 64, "description": "A"}
    ]
    same = {**LIVE_BOOT, "images": [{"url": "https://cdn/x.png", "sha256": "f" * 64,
                                     "description": "A"}]}
    assert diff(declared, canonical_live(kind, same), rules_of(kind)) == []
    other = {**same, "images": [{"url": "https://cdn/x.png", "sha256": "0" * 64,
                                 "description": "A"},
                                {"url": "https://cdn/y.png", "description": "B"}]}
    paths = [c.path for c in diff(declared, canonical_live(kind, other), rules_of(kind))]
    assert paths == [("images", 0, "sha256"), ("images", 1)]


@pytest.mark.parametrize(
    ("value", "text"),
    [(19.9, "19.9"), ("19.90", "19.9"), (Decimal("19.900"), "19.9"), (100, "100"),
     ("1E+2", "100"), ("-0.00", "0"), (0.1, "0.1"), (" 5 ", "5"), ("free", "free"),
     (True, True)],
)
def test_decimal_text(value: Any, text: Any) -> None:
    assert decimal_text(value) == text


def test_whitespace_and_entry_keys() -> None:
    assert collapse_whitespace(" <p>a\n\n b</p>\t") == "<p>a b</p>"
    key = ListKey(("sku", "currency"), casefold=True)
    assert entry_key({"sku": "A-1", "currency": "USD"}, key) == "A-1 USD"


# --- HTML whitespace ---------------------------------------------------------------------
@pytest.mark.parametrize("element", ["pre", "textarea", "script", "style", "PRE"])
def test_whitespace_inside_verbatim_elements_is_content(element: str) -> None:
    text = f"  <p>a \n b</p>\n<{element} class='x'>\n// c\nf();  \n</{element}>\n <i>d</i> "
    assert collapse_whitespace(text) == (
        f"<p>a b</p> <{element} class='x'>\n// c\nf();  \n</{element}> <i>d</i>"
    )


def test_an_unclosed_verbatim_element_keeps_its_whitespace_to_the_end() -> None:
    assert collapse_whitespace("<p>a  b</p> <pre>x   y\n") == "<p>a b</p> <pre>x   y\n"


def test_a_no_break_space_is_content_not_whitespace() -> None:
    # HTML collapses ASCII whitespace only: "10\u00a0kg" and "10 kg" render differently.
    assert collapse_whitespace("10\u00a0kg") == "10\u00a0kg"
    assert collapse_whitespace("10\u00a0kg") != collapse_whitespace("10 kg")


@given(st.lists(st.sampled_from(["a", " ", "\n", "\t", "<p>", "</p>", "x y"]), max_size=12))
def test_text_without_verbatim_elements_collapses_as_a_browser_renders(parts: list[str]) -> None:
    text = "".join(parts)
    assert collapse_whitespace(text) == " ".join(text.split())


@given(st.text(alphabet=" \n\tab<>/;", max_size=30))
def test_the_inside_of_a_script_is_kept_exactly(inside: str) -> None:
    assume("</script" not in inside.lower())
    text = f"<p>x</p>\n<script>{inside}</script>"
    assert collapse_whitespace(text) == f"<p>x</p> <script>{inside}</script>"


@given(st.text(alphabet="ab<p> \n\t\r\f\x0b\x1c\x85\xa0\u2003\u3000é", max_size=30))
def test_only_ascii_html_whitespace_collapses(text: str) -> None:
    # Other spaces (no-break, em, ideographic, vertical tab) are content in HTML.
    assert collapse_whitespace(text) == re.sub("[ \t\n\r\f]+", " ", text).strip(" ")
