"""Product category assignments: ``/v3/catalog/products/category-assignments``
(products_catalog.v3.yml).

The assignments are the products' ``categories``; these endpoints read and change them
in bulk without replacing a product's other assignments:

* ``GET``: ``{product_id, category_id}`` pairs (``product_id:in``, ``category_id:in``),
  paginated;
* ``PUT``: an array of pairs to add (every product and category must exist, else 422
  naming each bad item; nothing is changed then); 204;
* ``DELETE``: removes the pairs matching ``product_id:in`` and/or ``category_id:in`` (one
  of them is required, 422 otherwise); 204.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import ApiProblem, empty, int_list_param, list_response, read_array
from reconciler.sandbox.resources.catalog_common import (
    CATEGORIES,
    INVALID,
    PRODUCTS,
    SCOPE,
    Field,
    field_errors,
)
from reconciler.sandbox.resources.catalog_documents import touch
from reconciler.sandbox.storage import Document, Store

api = Api(scope=SCOPE)

PATH = "/v3/catalog/products/category-assignments"
PAIR_FIELDS = {"product_id": Field("int", minimum=1), "category_id": Field("int", minimum=1)}


def _products(request: Request, store: Store) -> list[Document]:
    coll = store.collection(PRODUCTS)
    product_ids = int_list_param(request, "product_id:in")
    category_ids = int_list_param(request, "category_id:in")
    if product_ids is not None:
        return [d for d in (coll.get(i) for i in sorted(set(product_ids))) if d is not None]
    if category_ids is not None:
        found = {d["id"]: d for c in category_ids for d in coll.lookup("category", c)}
        return [found[k] for k in sorted(found)]
    return list(coll)


@api.route("GET", PATH)
async def list_assignments(request: Request, store: Store) -> Response:
    wanted = int_list_param(request, "category_id:in")
    pairs: list[dict[str, Any]] = [
        {"product_id": product["id"], "category_id": category}
        for product in _products(request, store)
        for category in product["categories"]
        if wanted is None or category in wanted
    ]
    return list_response(pairs, request)


@api.route("PUT", PATH)
async def put_assignments(request: Request, store: Store) -> Response:
    items = await read_array(request)
    products = store.collection(PRODUCTS)
    categories = store.collection(CATEGORIES)
    errors: dict[str, str] = {}
    for i, item in enumerate(items):
        problems = field_errors(
            item, PAIR_FIELDS, required=("product_id", "category_id"), prefix=f"{i}."
        )
        if not problems and products.get(item["product_id"]) is None:
            problems[f"{i}.product_id"] = f"product {item['product_id']} does not exist"
        if not problems and categories.get(item["category_id"]) is None:
            problems[f"{i}.category_id"] = f"category {item['category_id']} does not exist"
        errors.update(problems)
    if errors:
        raise ApiProblem(422, INVALID, errors)
    changed: dict[int, Document] = {}
    for item in items:
        product = products.get(item["product_id"])
        assert product is not None
        if item["category_id"] not in product["categories"]:
            product["categories"] = sorted({*product["categories"], item["category_id"]})
            changed[product["id"]] = product
    for product in changed.values():
        touch(store, product)
    return empty(204)


@api.route("DELETE", PATH)
async def delete_assignments(request: Request, store: Store) -> Response:
    product_ids = int_list_param(request, "product_id:in")
    category_ids = int_list_param(request, "category_id:in")
    if product_ids is None and category_ids is None:
        raise ApiProblem(
            422, "A filter is required", {"product_id:in": "give product_id:in or category_id:in"}
        )
    wanted = set(category_ids) if category_ids is not None else None
    for product in _products(request, store):
        kept = [c for c in product["categories"] if wanted is not None and c not in wanted]
        if kept != product["categories"]:
            product["categories"] = kept
            touch(store, product)
    return empty(204)
