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
from reconciler.sandbox.http import ApiProblem, data_response, empty, list_response, read_object
from reconciler.sandbox.resources.catalog_common import INVALID, SCOPE, conflict, find_item
from reconciler.sandbox.resources.catalog_documents import (
    bulk_rule_errors,
    get_product,
    make_bulk_rule,
    rules_overlap,
    touch,
)
from reconciler.sandbox.storage import Document, Store

api = Api(scope=SCOPE)

BASE = "/v3/catalog/products/{product_id:int}/bulk-pricing-rules"


def _rule(product: Document, rule_id: int) -> Document:
    return find_item(product["bulk_pricing_rules"], rule_id, "bulk pricing rule")


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


@api.route("GET", BASE)
async def list_rules(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    return list_response(product["bulk_pricing_rules"], request)


@api.route("POST", BASE)
async def post_rule(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    body = await read_object(request)
    _check(product, body, None)
    rule = make_bulk_rule(store, body)
    product["bulk_pricing_rules"].append(rule)
    product["bulk_pricing_rules"].sort(key=lambda r: r["quantity_min"])
    touch(store, product)
    return data_response(rule)


@api.route("GET", BASE + "/{rule_id:int}")
async def get_rule(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    return data_response(_rule(product, request.path_params["rule_id"]))


@api.route("PUT", BASE + "/{rule_id:int}")
async def put_rule(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    rule = _rule(product, request.path_params["rule_id"])
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


@api.route("DELETE", BASE + "/{rule_id:int}")
async def delete_rule(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    rule_id = request.path_params["rule_id"]
    _rule(product, rule_id)
    product["bulk_pricing_rules"] = [r for r in product["bulk_pricing_rules"] if r["id"] != rule_id]
    touch(store, product)
    return empty(204)
