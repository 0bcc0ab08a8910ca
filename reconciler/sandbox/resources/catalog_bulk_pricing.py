"""Bulk pricing rules: ``/v3/catalog/products/{id}/bulk-pricing-rules`` (products_catalog.v3.yml).

A rule needs ``quantity_min``, ``quantity_max`` (0 = no upper bound), ``type``
(``price``/``percent``/``fixed``) and ``amount`` (422). Quantity ranges of one product's
rules must not overlap (409, "a conflicting bulk_pricing_rule").
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import ApiProblem, data_response, empty, read_object
from reconciler.sandbox.resources.catalog_common import INVALID, SCOPE, conflict
from reconciler.sandbox.resources.catalog_documents import (
    bulk_rule_errors,
    get_product,
    make_bulk_rule,
    rules_overlap,
    touch,
)
from reconciler.sandbox.resources.catalog_product_arrays import ProductArray
from reconciler.sandbox.storage import Document, Store

api = Api(scope=SCOPE)

RULES = ProductArray(
    key="bulk_pricing_rules",
    noun="bulk pricing rule",
    base="/v3/catalog/products/{product_id:int}/bulk-pricing-rules",
    id_param="rule_id",
)
RULES.serve_reads(api)


def _check(product: Document, rule: dict[str, Any], exclude: int | None) -> None:
    errors = bulk_rule_errors(rule, "")
    if errors:
        raise ApiProblem(422, INVALID, errors)
    for other in product["bulk_pricing_rules"]:
        if other["id"] != exclude and rules_overlap(other, rule):
            raise conflict(
                "quantity_min",
                f"the quantity range overlaps rule {other['id']} "
                f"({other['quantity_min']}-{other['quantity_max'] or 'unlimited'})",
            )


@api.route("POST", RULES.base)
async def post_rule(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    body = await read_object(request)
    _check(product, body, None)
    rule = make_bulk_rule(store, body)
    product["bulk_pricing_rules"].append(rule)
    product["bulk_pricing_rules"].sort(key=lambda r: r["quantity_min"])
    touch(store, product)
    return data_response(rule)


@api.route("PUT", RULES.item_path)
async def put_rule(request: Request, store: Store) -> Response:
    product, rule = RULES.item(request, store)
    body = await read_object(request)
    merged = {k: v for k, v in rule.items() if k != "id"}
    merged.update({k: v for k, v in body.items() if k != "id"})
    _check(product, merged, rule["id"])
    amount = merged["amount"]
    rule.update(
        {
            "quantity_min": merged["quantity_min"],
            "quantity_max": merged["quantity_max"],
            "type": merged["type"],
            "amount": amount if isinstance(amount, (int, float)) else float(amount),
        }
    )
    product["bulk_pricing_rules"].sort(key=lambda r: r["quantity_min"])
    touch(store, product)
    return data_response(rule)


@api.route("DELETE", RULES.item_path)
async def delete_rule(request: Request, store: Store) -> Response:
    product, rule = RULES.item(request, store)
    RULES.remove(product, rule["id"])
    touch(store, product)
    return empty(204)
