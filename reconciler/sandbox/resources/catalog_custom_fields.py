"""Product custom fields: ``/v3/catalog/products/{id}/custom-fields`` (products_catalog.v3.yml).

``name`` and ``value`` (1-250 characters) are required; the (name, value) pair is unique per
product (409, "duplicate unique values") and a product has at most 200 custom fields (422).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import ApiProblem, data_response, empty, list_response, read_object
from reconciler.sandbox.resources.catalog_common import (
    INVALID,
    SCOPE,
    check_fields,
    conflict,
    find_item,
)
from reconciler.sandbox.resources.catalog_documents import (
    CUSTOM_FIELD_FIELDS,
    check_custom_field_pairs,
    custom_field_errors,
    get_product,
    touch,
)
from reconciler.sandbox.storage import Document, Store

api = Api(scope=SCOPE)

BASE = "/v3/catalog/products/{product_id:int}/custom-fields"


def _field(product: Document, field_id: int) -> Document:
    return find_item(product["custom_fields"], field_id, "custom field")


def _strip(errors: dict[str, str]) -> dict[str, str]:
    return {(k.split("].", 1)[1] if "]." in k else "custom_fields"): v for k, v in errors.items()}


@api.route("GET", BASE)
async def list_custom_fields(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    return list_response(product["custom_fields"], request)


@api.route("POST", BASE)
async def post_custom_field(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    body = await read_object(request)
    errors = custom_field_errors([body], "custom_fields", existing=product["custom_fields"])
    if errors:
        raise ApiProblem(422, INVALID, _strip(errors))
    try:
        check_custom_field_pairs([body], "custom_fields", existing=product["custom_fields"])
    except ApiProblem as problem:
        problem.errors = _strip(problem.errors)
        raise
    field = {
        "id": store.next_counter("catalog_custom_fields"),
        "name": body["name"],
        "value": body["value"],
    }
    product["custom_fields"].append(field)
    touch(store, product)
    return data_response(field)


@api.route("GET", BASE + "/{field_id:int}")
async def get_custom_field(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    return data_response(_field(product, request.path_params["field_id"]))


@api.route("PUT", BASE + "/{field_id:int}")
async def put_custom_field(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    field = _field(product, request.path_params["field_id"])
    body = await read_object(request)
    check_fields(body, CUSTOM_FIELD_FIELDS, ignored=("id",))
    merged = {"name": body.get("name", field["name"]), "value": body.get("value", field["value"])}
    others = [f for f in product["custom_fields"] if f["id"] != field["id"]]
    if (merged["name"], merged["value"]) in {(f["name"], f["value"]) for f in others}:
        raise conflict("name", "a custom field with this name and value already exists")
    field.update(merged)
    touch(store, product)
    return data_response(field)


@api.route("DELETE", BASE + "/{field_id:int}")
async def delete_custom_field(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    field_id = request.path_params["field_id"]
    _field(product, field_id)
    product["custom_fields"] = [f for f in product["custom_fields"] if f["id"] != field_id]
    touch(store, product)
    return empty(204)
