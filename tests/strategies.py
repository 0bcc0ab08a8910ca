"""Hypothesis strategies that build *valid* declared items of every kind.

``item_strategy(kind)`` gives a strategy of validated models (``ItemModel`` instances)
for a :class:`~reconciler.kinds.base.Kind`; ``raw_item_strategy(kind)`` gives the plain
mappings they are built from (what a YAML file would hold). Optional fields are drawn
present or absent, so "left unset" is exercised as much as "set".
"""

from __future__ import annotations

import string
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st
from hypothesis.strategies import SearchStrategy

from reconciler.kinds.base import ItemModel, Kind
from reconciler.kinds.category import join_path
from reconciler.kinds.registry import kind_named

Raw = dict[str, Any]

_SAFE_CHARS = st.characters(
    blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"), blacklist_characters="\x85\ufeff"
)


def text(min_size: int = 0, max_size: int = 40) -> SearchStrategy[str]:
    """Printable text, including non-ASCII, quotes and YAML-special characters."""
    return st.text(_SAFE_CHARS, min_size=min_size, max_size=max_size)


def name(max_size: int = 30, forbid: str = "") -> SearchStrategy[str]:
    """A non-blank name without leading or trailing whitespace."""
    return (
        st.text(_SAFE_CHARS, min_size=1, max_size=max_size)
        .map(lambda s: "".join(c for c in s if c not in forbid).strip())
        .filter(bool)
    )


def sku() -> SearchStrategy[str]:
    return st.from_regex(r"[A-Z]{2,4}-[0-9]{1,4}", fullmatch=True)


def money() -> SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=100_000, places=2)


def measure() -> SearchStrategy[Decimal]:
    return st.decimals(min_value=0, max_value=1000, places=3)


def url_path() -> SearchStrategy[str]:
    segment = st.text(string.ascii_lowercase + string.digits + "-_.", min_size=1, max_size=12)
    return st.lists(segment, min_size=1, max_size=3).map(lambda parts: "/" + "/".join(parts) + "/")


def https_url() -> SearchStrategy[str]:
    host = st.from_regex(r"[a-z]{3,10}\.(com|io|net)", fullmatch=True)
    return st.tuples(host, url_path()).map(lambda hp: f"https://{hp[0]}{hp[1]}")


def env_name() -> SearchStrategy[str]:
    return st.from_regex(r"[A-Z_][A-Z0-9_]{0,15}", fullmatch=True)


def category_path() -> SearchStrategy[str]:
    """A path of names that may hold '/' and backslashes (escaped as paths write them)."""
    return st.lists(name(20), min_size=1, max_size=4).map(join_path)


def _with_optional(required: Raw, optional: dict[str, SearchStrategy[Any]]) -> SearchStrategy[Raw]:
    return st.fixed_dictionaries(
        {k: v if isinstance(v, SearchStrategy) else st.just(v) for k, v in required.items()},
        optional=optional,
    )


def _seo() -> dict[str, SearchStrategy[Any]]:
    return {
        "page_title": text(max_size=60),
        "meta_description": text(),
        "meta_keywords": st.lists(text(max_size=15), max_size=3),
        "search_keywords": text(),
    }


def brand() -> SearchStrategy[Raw]:
    return _with_optional(
        {"name": name()},
        {**_seo(), "image_url": https_url(), "custom_url": url_path()},
    )


def category() -> SearchStrategy[Raw]:
    sorts = st.sampled_from(["use_store_settings", "featured", "newest", "price_asc"])
    return _with_optional(
        {"path": category_path()},
        {
            **_seo(),
            "channel_id": st.integers(1, 5),
            "description": text(),
            "is_visible": st.booleans(),
            "sort_order": st.integers(-10, 100),
            "custom_url": url_path(),
            "default_product_sort": sorts,
            "image_url": https_url(),
        },
    )


@st.composite
def _options_and_variants(
    draw: st.DrawFn, product_sku: str, modifier_names: frozenset[str], stocked: bool
) -> Raw:
    """Options (named unlike the modifiers: one name space on BigCommerce) and variants;
    variant stock levels only when ``stocked`` (the product tracks inventory by variant)."""
    option_names = draw(
        st.lists(
            name(15).filter(lambda n: n.casefold() not in modifier_names),
            min_size=1,
            max_size=2,
            unique_by=str.casefold,
        )
    )
    options: list[Raw] = []
    labels_by_option: list[tuple[str, list[str]]] = []
    for display_name in option_names:
        labels = draw(st.lists(name(10), min_size=1, max_size=3, unique_by=str.casefold))
        default = draw(st.none() | st.sampled_from(labels))
        values = [
            {"label": label} | ({"is_default": True} if label == default else {})
            for label in labels
        ]
        kind = draw(st.sampled_from(["dropdown", "radio_buttons", "rectangles"]))
        options.append({"display_name": display_name, "type": kind, "values": values})
        labels_by_option.append((display_name, labels))
    combos: list[dict[str, str]] = [{}]
    for display_name, labels in labels_by_option:
        combos = [c | {display_name: label} for c in combos for label in labels]
    chosen = draw(st.lists(st.sampled_from(range(len(combos))), unique=True, max_size=len(combos)))
    variants = []
    for number, index in enumerate(chosen):
        variant: Raw = {"sku": f"{product_sku}-V{number}", "option_values": combos[index]}
        optional: dict[str, SearchStrategy[Any]] = {"price": money()}
        if stocked:
            optional |= {
                "inventory_level": st.integers(0, 500),
                "inventory_warning_level": st.integers(0, 50),
            }
        variant |= draw(_with_optional({}, optional))
        variants.append(variant)
    return {"options": options, "variants": variants} if variants else {"options": options}


@st.composite
def _bulk_rules(draw: st.DrawFn) -> list[Raw]:
    bounds = sorted(draw(st.lists(st.integers(1, 500), min_size=1, max_size=6, unique=True)))
    rules = []
    for start, stop in zip(bounds, [*bounds[1:], None], strict=True):
        upper = 0 if stop is None else stop - 1
        if upper and upper < start:
            continue
        kind = draw(st.sampled_from(["price", "percent", "fixed"]))
        amount = draw(st.decimals(min_value=0, max_value=100, places=2))
        rules.append({"quantity_min": start, "quantity_max": upper, "type": kind, "amount": amount})
    return rules


@st.composite
def product(draw: st.DrawFn) -> Raw:
    product_sku = draw(sku())
    raw = draw(
        _with_optional(
            {
                "sku": product_sku,
                "name": name(60),
                "type": st.sampled_from(["physical", "digital"]),
                "price": money(),
                "weight": measure(),
            },
            {
                **_seo(),
                "sale_price": money(),
                "retail_price": money(),
                "cost_price": money(),
                "map_price": money(),
                "width": measure(),
                "height": measure(),
                "depth": measure(),
                "description": text(),
                "brand": name(),
                "categories": st.lists(category_path(), max_size=3, unique=True),
                "is_visible": st.booleans(),
                "is_featured": st.booleans(),
                "availability": st.sampled_from(["available", "disabled", "preorder"]),
                "availability_description": text(max_size=50),
                "condition": st.sampled_from(["New", "Used", "Refurbished"]),
                "is_condition_shown": st.booleans(),
                "custom_url": url_path(),
                "gtin": st.from_regex(r"[0-9]{8,14}", fullmatch=True),
                "mpn": text(max_size=20),
                "sort_order": st.integers(0, 1000),
                "warranty": text(),
                "protect": st.booleans(),
                "images": st.lists(
                    _with_optional(
                        {"file": st.from_regex(r"images/[a-z0-9-]{1,12}\.png", fullmatch=True)},
                        {"description": text(max_size=30), "sort_order": st.integers(0, 10)},
                    ),
                    max_size=3,
                ),
                "custom_fields": st.lists(
                    st.fixed_dictionaries({"name": name(20), "value": name(20)}),
                    max_size=4,
                    unique_by=lambda f: f["name"].casefold(),
                ),
                "bulk_pricing_rules": _bulk_rules(),
                "modifiers": st.lists(
                    st.fixed_dictionaries(
                        {
                            "display_name": name(20),
                            "type": st.sampled_from(["text", "date", "checkbox"]),
                            "required": st.booleans(),
                        }
                    ),
                    max_size=2,
                    unique_by=lambda m: m["display_name"].casefold(),
                ),
            },
        )
    )
    if draw(st.booleans()):
        modifier_names = frozenset(m["display_name"].casefold() for m in raw.get("modifiers", []))
        by_variant = draw(st.booleans())
        raw |= draw(_options_and_variants(product_sku, modifier_names, stocked=by_variant))
        if by_variant:
            raw["inventory_tracking"] = "variant"
    return raw


def price_list() -> SearchStrategy[Raw]:
    record = _with_optional(
        {"sku": sku(), "currency": st.sampled_from(["USD", "EUR", "GBP"]), "price": money()},
        {"sale_price": money(), "retail_price": money(), "map_price": money()},
    )
    records = st.lists(record, max_size=5, unique_by=lambda r: (r["sku"].casefold(), r["currency"]))
    return _with_optional({"name": name()}, {"active": st.booleans(), "records": records})


@st.composite
def page(draw: st.DrawFn) -> Raw:
    kind = draw(st.sampled_from(["page", "raw", "contact_form", "link"]))
    required: Raw = {"url": draw(url_path()), "name": draw(name(40)), "type": kind}
    if kind == "page":
        required["body"] = draw(text())
    if kind == "raw":  # BigCommerce refuses a raw page with an empty body
        required["body"] = draw(text(min_size=1).filter(str.strip))
    if kind == "link":
        required["link"] = draw(https_url())
    optional: dict[str, SearchStrategy[Any]] = {
        "is_visible": st.booleans(),
        "sort_order": st.integers(0, 50),
        "is_customers_only": st.booleans(),
        "channel_id": st.integers(1, 3),
    }
    # Each type takes only the SEO fields the store keeps for it (pages.v3.yml).
    if kind in ("page", "contact_form"):
        optional |= {
            "meta_title": text(max_size=40),
            "meta_description": text(),
            "meta_keywords": text(max_size=40),
        }
    if kind != "link":
        optional["search_keywords"] = text(max_size=40)
    if kind == "contact_form":
        optional["email"] = st.from_regex(r"[a-z]{1,8}@[a-z]{2,8}\.com", fullmatch=True)
        optional["contact_fields"] = st.lists(
            st.sampled_from(["fullname", "companyname", "phone", "orderno", "rma"]),
            min_size=1,
            unique=True,
        )
    raw = draw(_with_optional(required, optional))
    if draw(st.booleans()):
        raw["parent"] = draw(url_path().filter(lambda p: p != raw["url"]))
    return raw


def redirect() -> SearchStrategy[Raw]:
    targets = st.one_of(
        st.fixed_dictionaries({"type": st.just("product"), "key": sku()}),
        st.fixed_dictionaries({"type": st.just("category"), "key": category_path()}),
        st.fixed_dictionaries({"type": st.just("brand"), "key": name()}),
        st.fixed_dictionaries({"type": st.just("page"), "key": url_path()}),
        st.fixed_dictionaries({"type": st.just("url"), "url": https_url()}),
    )
    return _with_optional(
        {"from_path": url_path().map(lambda p: "/old" + p), "to": targets},
        {"site_id": st.integers(1, 4)},
    )


def script() -> SearchStrategy[Raw]:
    common: dict[str, SearchStrategy[Any]] = {
        "description": text(),
        "location": st.sampled_from(["head", "footer"]),
        "visibility": st.sampled_from(
            ["storefront", "all_pages", "checkout", "order_confirmation"]
        ),
        "load_method": st.sampled_from(["default", "async", "defer"]),
        "consent_category": st.sampled_from(["essential", "functional", "analytics", "targeting"]),
        "enabled": st.booleans(),
        "auto_uninstall": st.booleans(),
        "channel_id": st.integers(1, 3),
    }
    src = _with_optional(
        {"name": name(), "kind": "src", "src": https_url()},
        common | {"integrity_hashes": st.just(["sha384-oqVuAfXRKap7fdgcCY5uykM6+R9GqQ8K"])},
    )
    tag = _with_optional(
        {
            "name": name(),
            "kind": "script_tag",
            "html": text(max_size=30).map(
                lambda body: f"<script>{body.replace('<', ' ')}</script>"
            ),
        },
        # scripts.v3.yml: a script_tag's load_method must be default.
        common | {"load_method": st.just("default")},
    )
    return src | tag


def webhook() -> SearchStrategy[Raw]:
    scope = st.sampled_from(["store/product/updated", "store/order/*", "store/cart/lineItem/*"])
    header = st.from_regex(r"X-[A-Za-z]{1,10}", fullmatch=True)
    return _with_optional(
        {"scope": scope, "destination": https_url()},
        {
            "is_active": st.booleans(),
            "headers": st.dictionaries(
                header, st.builds(lambda v: {"env": v}, env_name()), max_size=3
            ),
        },
    )


@st.composite
def customer_group(draw: st.DrawFn) -> Raw:
    raw = draw(
        _with_optional(
            {"name": name()}, {"is_default": st.booleans(), "is_group_for_guests": st.booleans()}
        )
    )
    access = draw(st.sampled_from(["all", "specific", "none", None]))
    if access == "specific":
        paths = draw(st.lists(category_path(), min_size=1, max_size=3, unique=True))
        raw["category_access"] = {"type": "specific", "categories": paths}
    elif access is not None:
        raw["category_access"] = {"type": access}
    if draw(st.booleans()):
        raw["discount_rules"] = [{"type": "price_list", "price_list": draw(name())}]
    else:
        rules: list[Raw] = []
        if draw(st.booleans()):
            rules.append(
                {"type": "all", "method": "percent", "amount": draw(st.decimals(0, 100, places=2))}
            )
        for path in draw(st.lists(category_path(), max_size=2, unique=True)):
            rules.append(
                {"type": "category", "category": path, "method": "fixed", "amount": draw(money())}
            )
        for product_sku in draw(st.lists(sku(), max_size=2, unique_by=str.casefold)):
            rules.append(
                {
                    "type": "product",
                    "product": product_sku,
                    "method": "price",
                    "amount": draw(money()),
                }
            )
        if rules:
            raw["discount_rules"] = rules
    return raw


def theme() -> SearchStrategy[Raw]:
    scalar = st.none() | st.booleans() | st.integers(-100, 100) | text(max_size=10)
    settings = st.dictionaries(
        st.from_regex(r"[a-z][a-z0-9_-]{0,15}", fullmatch=True),
        st.recursive(scalar, lambda inner: st.lists(inner, max_size=3), max_leaves=5),
        max_size=4,
    )
    return _with_optional(
        {"name": name()},
        {
            "version": st.from_regex(
                r"(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]?)\.(0|[1-9])", fullmatch=True
            ),
            "variation": name(20),
            "channel_id": st.integers(1, 3),
            "settings": settings,
            "directory": st.just("src"),
        },
    )


_RAW: dict[str, Any] = {
    "brand": brand,
    "category": category,
    "product": product,
    "price_list": price_list,
    "page": page,
    "redirect": redirect,
    "script": script,
    "webhook": webhook,
    "customer_group": customer_group,
    "theme": theme,
}


def raw_item_strategy(kind: Kind[Any] | str) -> SearchStrategy[Raw]:
    """Plain mappings (as in a YAML file) that validate as ``kind``'s model.

    ``kind`` is a kind or its name (``"product"``, ``"price-lists"``).
    """
    found = kind_named(kind) if isinstance(kind, str) else kind
    return _RAW[found.name]()  # type: ignore[no-any-return]


def item_strategy(kind: Kind[Any] | str) -> SearchStrategy[ItemModel]:
    """Validated items of ``kind`` (models, with only the drawn fields set)."""
    found = kind_named(kind) if isinstance(kind, str) else kind
    return raw_item_strategy(found).map(found.model.model_validate)
