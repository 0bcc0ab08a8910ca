"""Product custom fields: ``/v3/catalog/products/{id}/custom-fields`` (products_catalog.v3.yml).

``name`` and ``value`` (1-250 characters) are required; the (name, value) pair is unique per
product (409, "duplicate unique values") and a product has at most 200 custom fields (422).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import ApiProblem, data_response, empty, read_object
from reconciler.sandbox.resources.catalog_common import (
    INVALID,
    SCOPE,
    check_fields,
    conflict,
)
from reconciler.sandbox.resources.catalog_documents import (
    CUSTOM_FIELD_FIELDS,
    check_custom_field_pairs,
    custom_field_errors,
    get_product,
    touch,
)
from reconciler.sandbox.resources.catalog_product_arrays import ProductArray
from reconciler.sandbox.storage import Store

api = Api(scope=SCOPE)

CUSTOM_FIELDS = ProductArray(
    key="custom_fields",
    noun="custom field",
    base="/v3/catalog/products/{product_id:int}/custom-fields",
    id_param="field_id",
)
CUSTOM_FIELDS.serve_reads(api)


def _strip(errors: dict[str, str]) -> dict[str, str]:
    return {(k.split("].", 1)[1] if "]." in k else "custom_fields"): v for k, v in errors.items()}


@api.route("POST", CUSTOM_FIELDS.base)
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


@api.route("PUT", CUSTOM_FIELDS.item_path)
async def put_custom_field(request: Request, store: Store) -> Response:
    product, field = CUSTOM_FIELDS.item(request, store)
    body = await read_object(request)
    check_fields(body, CUSTOM_FIELD_FIELDS, ignored=("id",))
    merged = {"name": body.get("name", field["name"]), "value": body.get("value", field["value"])}
    others = [f for f in product["custom_fields"] if f["id"] != field["id"]]
    if (merged["name"], merged["value"]) in {(f["name"], f["value"]) for f in others}:
        raise conflict("name", "a custom field with this name and value already exists")
    field.update(merged)
    touch(store, product)
    return data_response(field)


@api.route("DELETE", CUSTOM_FIELDS.item_path)
async def delete_custom_field(request: Request, store: Store) -> Response:
    product, field = CUSTOM_FIELDS.item(request, store)
    CUSTOM_FIELDS.remove(product, field["id"])
    touch(store, product)
    return empty(204)
