"""Every limit BigCommerce's OpenAPI files state for a field StagingPro writes is enforced
by the declared model, so a value the store would refuse with a 422 is refused by
``validate`` instead.

The limits are read from the spec files themselves (the request bodies of the endpoints
each kind writes; the folder is found as :mod:`tests.sandbox.conformance` finds it), not
copied here: when BigCommerce tightens a limit, this test fails. A field the model
declares is compared with the spec field it is written to (:data:`SOURCES` names the
endpoint and the few renamed fields); spec fields the model does not declare are never
sent and are not checked. Patterns are not compared (the models check URL paths with
validators that say what is wrong in words). :data:`ERRATA` lists, each with its reason,
the statements that are errors in the spec.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest

from reconciler.kinds.base import ItemModel
from reconciler.kinds.brand import Brand
from reconciler.kinds.category import Category
from reconciler.kinds.customer_group import CustomerGroup
from reconciler.kinds.page import Page
from reconciler.kinds.price_list import PriceList
from reconciler.kinds.product import Product
from reconciler.kinds.redirect import Redirect
from reconciler.kinds.script import Script
from reconciler.kinds.webhook import Webhook
from tests.sandbox.conformance import _parsed_specs, conformance_required, openapi_dir

LIMITS = ("maxLength", "minLength", "maximum", "minimum", "maxItems", "minItems", "enum")
Limits = dict[str, dict[str, Any]]
"""Field path (``variants[].sku``, ``custom_url.url``) → its limits."""


@dataclass(frozen=True)
class Source:
    """Where a model's fields go: the request body of ``method path`` in ``file``,
    model fields under ``prefix`` (``"variants[]."``), spec fields renamed by ``renames``
    (spec path → model path, ``None``: not written from the model)."""

    model: type[ItemModel]
    file: str
    method: str
    path: str
    prefix: str = ""
    renames: Mapping[str, str | None] = field(default_factory=dict)


OPTION_VALUES = {"option_values": "values"}
SOURCES = (
    Source(Category, "category-trees_catalog.v3.yml", "post", "/catalog/trees/categories",
           renames={"url.path": "custom_url", "name": None}),  # names: split_path, MAX_NAME
    Source(Category, "category-trees_catalog.v3.yml", "put", "/catalog/trees/categories",
           renames={"url.path": "custom_url", "name": None}),
    Source(Brand, "brands_catalog.v3.yml", "post", "/catalog/brands",
           renames={"custom_url.url": "custom_url"}),
    Source(Brand, "brands_catalog.v3.yml", "put", "/catalog/brands/{brand_id}",
           renames={"custom_url.url": "custom_url"}),
    Source(Product, "products_catalog.v3.yml", "post", "/catalog/products",
           renames={"custom_url.url": "custom_url",
                    # variants are written with their option values as a mapping
                    "variants[].option_values[].option_display_name":
                        "variants[].option_values{key}",
                    "variants[].option_values[].label": "variants[].option_values{}"}),
    Source(Product, "products_catalog.v3.yml", "put", "/catalog/products/{product_id}",
           renames={"custom_url.url": "custom_url"}),
    Source(Product, "product-variants_catalog.v3.yml", "post",
           "/catalog/products/{product_id}/variants", "variants[].",
           renames={"option_values[].option_display_name": "option_values{key}",
                    "option_values[].label": "option_values{}"}),
    Source(Product, "product-variants_catalog.v3.yml", "put", "/catalog/variants",
           "variants[].", renames={"option_values[].option_display_name": None,
                                   "option_values[].label": None}),  # written as ids
    Source(Product, "product-variant-options_catalog.v3.yml", "post",
           "/catalog/products/{product_id}/options", "options[].", renames=OPTION_VALUES),
    Source(Product, "product-modifiers_catalog.v3.yml", "post",
           "/catalog/products/{product_id}/modifiers", "modifiers[].", renames=OPTION_VALUES),
    Source(Product, "products_catalog.v3.yml", "post",
           "/catalog/products/{product_id}/images", "images[].",
           renames={"image_url": "url"}),
    Source(Product, "products_catalog.v3.yml", "post",
           "/catalog/products/{product_id}/custom-fields", "custom_fields[]."),
    Source(Product, "products_catalog.v3.yml", "post",
           "/catalog/products/{product_id}/bulk-pricing-rules", "bulk_pricing_rules[]."),
    Source(PriceList, "price_lists.v3.yml", "post", "/pricelists"),
    Source(PriceList, "price_lists.v3.yml", "put", "/pricelists/{price_list_id}/records",
           "records[]."),
    Source(Page, "pages.v3.yml", "post", "/content/pages"),
    Source(Page, "pages.v3.yml", "put", "/content/pages"),
    Source(Redirect, "redirects.v3.yml", "put", "/storefront/redirects"),
    Source(Script, "scripts.v3.yml", "post", "/content/scripts"),
    Source(Script, "scripts.v3.yml", "put", "/content/scripts/{uuid}"),
    Source(Webhook, "webhooks.v3.yml", "post", "/hooks"),
    Source(CustomerGroup, "customers.v2.yml", "post", "/customer_groups"),
    Source(CustomerGroup, "customers.v2.yml", "put", "/customer_groups/{customer_group_id}"),
)

ERRATA: dict[tuple[str, str, str], str] = {
    # (model, model field path, limit) → why the spec's statement is not enforced as is.
    ("Product", "categories", "maximum"): (
        "products_catalog.v3.yml states 'maximum: 1000' on the categories *array*; a"
        " maximum bounds numbers: read as maxItems 1000, which the model enforces"
    ),
    ("Product", "custom_fields", "maximum"): (
        "'maximum: 255' on the custom_fields *array*; read as an item count, the model's"
        " maxItems 200 (the documented 200 custom fields) is stricter"
    ),
    ("Product", "meta_keywords", "maxLength"): (
        "'maxLength: 65535' on the meta_keywords *array* (maxLength bounds strings): each"
        " keyword is held to 65535 characters"
    ),
}


@cache
def specs() -> Mapping[str, Any]:
    folder = openapi_dir()
    if not folder.is_dir() and not conformance_required():
        pytest.skip(f"BigCommerce's OpenAPI files are not at {folder}")
    return _parsed_specs(folder)


def spec(file: str) -> Any:
    return specs()[file]


def deref(root: Mapping[str, Any], node: Any) -> Any:
    while isinstance(node, Mapping) and "$ref" in node:
        target: Any = root
        for part in str(node["$ref"]).removeprefix("#/").split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def loosest(a: Mapping[str, Any], b: Mapping[str, Any]) -> dict[str, Any]:
    """What a value must meet to satisfy branch ``a`` *or* ``b`` (oneOf/anyOf)."""
    out: dict[str, Any] = {}
    for name in a.keys() & b.keys():
        if name == "enum":
            out[name] = list(dict.fromkeys([*a[name], *b[name]]))
        elif name.startswith("max"):
            out[name] = max(a[name], b[name])
        else:
            out[name] = min(a[name], b[name])
    return out


def flatten(
    root: Mapping[str, Any], node: Any, prefix: str = "", *, any_branch: bool, depth: int = 0
) -> Limits:
    """Every field path in schema ``node`` with its limits (``{}``: none). ``allOf`` parts
    all apply; of ``oneOf``/``anyOf`` branches, with ``any_branch`` any one does (the
    spec), else all (pydantic renders a Decimal as "number or string", and checks the
    string as the same number); a null branch only makes a field optional."""
    node = deref(root, node)
    found: Limits = {}
    if not isinstance(node, Mapping) or depth > 12:
        return found

    def add(path: str, limits: Mapping[str, Any]) -> None:
        found.setdefault(path, {}).update(limits)

    def walk(sub: Any, path: str) -> Limits:
        return flatten(root, sub, path, any_branch=any_branch, depth=depth + 1)

    add(prefix, {k: node[k] for k in LIMITS if k in node})
    for part in node.get("allOf", []):
        for path, limits in walk(part, prefix).items():
            add(path, limits)
    branches = [deref(root, b) for key in ("oneOf", "anyOf") for b in node.get(key, [])]
    branches = [b for b in branches if not (isinstance(b, Mapping) and b.get("type") == "null")]
    flat = [walk(branch, prefix) for branch in branches]
    for path in set().union(*flat):
        merged: dict[str, Any] | None = None
        for one in flat:
            if path not in one:
                continue  # a branch without the field does not restrict it
            if merged is None or not any_branch:
                merged = {**(merged or {}), **one[path]}
            else:
                merged = loosest(merged, one[path])
        add(path, merged or {})
    if "items" in node:
        for path, limits in walk(node["items"], f"{prefix}[]").items():
            add(path, limits)
    for name, sub in (node.get("properties") or {}).items():
        for path, limits in walk(sub, f"{prefix}.{name}" if prefix else name).items():
            add(path, limits)
    extra = node.get("additionalProperties")
    if isinstance(extra, Mapping):
        for path, limits in walk(extra, f"{prefix}{{}}").items():
            add(path, limits)
    names = node.get("propertyNames")
    if isinstance(names, Mapping):
        add(f"{prefix}{{key}}", {k: names[k] for k in LIMITS if k in names})
    return found


def request_limits(source: Source) -> Limits:
    root = spec(source.file)
    operation = root["paths"][source.path][source.method]
    body = deref(root, operation["requestBody"])
    content = body["content"]
    media = content.get("application/json") or next(iter(content.values()))
    found: Limits = {}
    for path, limits in flatten(root, media["schema"], any_branch=True).items():
        # A batch body is an array of items: their fields are the item's fields.
        path = path.removeprefix("[]").removeprefix(".")
        if path and limits:
            found[path] = loosest(found[path], limits) if path in found else dict(limits)
    return found


def model_limits(model: type[ItemModel]) -> Limits:
    schema = model.model_json_schema(mode="validation")
    return flatten(schema, schema, any_branch=False)


def renamed(source: Source, spec_path: str) -> str | None:
    """The model path a spec field is written from (``None``: not from the model)."""
    for old in sorted(source.renames, key=len, reverse=True):
        if spec_path == old or spec_path.startswith((f"{old}.", f"{old}[]", f"{old}{{")):
            new = source.renames[old]
            return None if new is None else source.prefix + new + spec_path[len(old):]
    return source.prefix + spec_path


def unenforced(source: Source) -> list[str]:
    """The spec's limits on fields of ``source.model`` that the model does not enforce."""
    declared = model_limits(source.model)
    problems: list[str] = []
    for spec_path, limits in request_limits(source).items():
        path = renamed(source, spec_path)
        if path is None or path not in declared:
            continue  # not a field StagingPro declares, so never sent
        have = declared[path]
        for limit, stated in limits.items():
            if (source.model.__name__, path, limit) in ERRATA:
                continue
            if not _enforces(have, limit, stated):
                problems.append(
                    f"{source.model.__name__}.{path}: {source.file} {source.method.upper()}"
                    f" {source.path} states {limit} {stated!r}; the model has"
                    f" {have.get(limit, 'none')!r}"
                )
    return problems


def _enforces(have: Mapping[str, Any], limit: str, stated: Any) -> bool:
    if limit == "enum":
        return "enum" in have and set(have["enum"]) <= set(stated)
    if limit in ("minLength", "minItems", "minimum") and not stated:
        return True  # zero: any value meets it (strings, lists, non-negative counts)
    if limit not in have:
        if limit == "minimum" and "exclusiveMinimum" in have:
            return bool(have["exclusiveMinimum"] >= stated)
        return False
    if limit.startswith("max"):
        return bool(have[limit] <= stated)
    return bool(have[limit] >= stated)


@pytest.mark.parametrize(
    "source", SOURCES, ids=[f"{s.model.__name__}:{s.method}:{s.path}" for s in SOURCES]
)
def test_every_limit_the_spec_states_is_enforced(source: Source) -> None:
    assert unenforced(source) == []


def test_the_errata_are_still_in_the_spec() -> None:
    """An erratum BigCommerce has fixed must leave the list (and be enforced)."""
    stated = {
        (s.model.__name__, renamed(s, p), limit)
        for s in SOURCES
        for p, limits in request_limits(s).items()
        for limit in limits
    }
    assert set(ERRATA) <= stated


def test_the_check_finds_a_missing_limit() -> None:
    """The check itself can fail: a model without the category search_keywords limit."""
    from pydantic import create_model

    loose = create_model("Category", __base__=ItemModel, search_keywords=(str | None, None))
    source = Source(loose, "category-trees_catalog.v3.yml", "post", "/catalog/trees/categories")
    assert any("search_keywords" in problem for problem in unenforced(source))
