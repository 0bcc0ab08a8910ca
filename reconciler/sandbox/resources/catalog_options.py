"""Variant options and option values (product-variant-options_catalog.v3.yml).

``/v3/catalog/products/{id}/options[/{option_id}[/values[/{value_id}]]]``. An option's
``display_name`` is unique per product among its options and modifiers (409); it needs
``display_name``, ``type`` and at least one value (each with ``label`` and ``sort_order``),
at most 250 values with distinct labels (422). Renaming an option or a value renames it in
the variants that use it; deleting one deletes those variants.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import ApiProblem, data_response, empty, read_object
from reconciler.sandbox.resources.catalog_common import (
    INVALID,
    SCOPE,
    Field,
    check_fields,
)
from reconciler.sandbox.resources.catalog_documents import drop_variants, get_product, touch
from reconciler.sandbox.resources.catalog_option_like import (
    CHOICE_TYPES,
    OPTION_COUNTER,
    VALUE_FIELDS,
    OptionLike,
    new_value,
    update_value,
    value_errors,
)
from reconciler.sandbox.storage import Document, Store

api = Api(scope=SCOPE)

OPTION_TYPES = CHOICE_TYPES
OPTION_FIELDS: dict[str, Field] = {
    "product_id": Field("int"),
    "display_name": Field("str", min_len=1, max_len=255),
    "type": Field("enum", choices=OPTION_TYPES),
    "config": Field("obj"),
    "sort_order": Field("int"),
    "option_values": Field("list"),
    "image_url": Field("str"),
}
OPTIONS = OptionLike(
    key="options",
    noun="option",
    id_param="option_id",
    named="an option",
    base="/v3/catalog/products/{product_id:int}/options",
)
OPTIONS.serve_reads(api)


def _rename_in_variants(product: Document, option: Document) -> None:
    labels = {v["id"]: v["label"] for v in option["option_values"]}
    for variant in product["variants"]:
        for ref in variant["option_values"]:
            if ref["option_id"] == option["id"]:
                ref["option_display_name"] = option["display_name"]
                ref["label"] = labels.get(ref["id"], ref["label"])


def _uses(option_id: int, value_ids: set[int] | None = None) -> Any:
    def keep(variant: Document) -> bool:
        for ref in variant["option_values"]:
            if ref["option_id"] == option_id and (value_ids is None or ref["id"] in value_ids):
                return False
        return True

    return keep


@api.route("POST", OPTIONS.base)
async def post_option(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    body = await read_object(request)
    check_fields(
        body,
        OPTION_FIELDS,
        required=("display_name", "type", "option_values"),
        ignored=("id", "name"),
    )
    if not body["option_values"]:
        raise ApiProblem(422, INVALID, {"option_values": "an option needs at least one value"})
    errors = value_errors(body["option_values"], "option_values", [], creating=True)
    if errors:
        raise ApiProblem(422, INVALID, errors)
    OPTIONS.check_display_name(product, body["display_name"], None)
    option: Document = {
        "id": store.next_counter(OPTION_COUNTER),
        "product_id": product["id"],
        "display_name": body["display_name"],
        "type": body["type"],
        "config": body.get("config", {}),
        "sort_order": body.get("sort_order", len(product["options"])),
        "option_values": [new_value(store, v) for v in body["option_values"]],
        "name": f"{body['display_name']}{product['id']}",
    }
    product["options"].append(option)
    touch(store, product)
    return data_response(option)


@api.route("PUT", OPTIONS.item_path)
async def put_option(request: Request, store: Store) -> Response:
    product, option = OPTIONS.item(request, store)
    body = await read_object(request)
    check_fields(body, OPTION_FIELDS, ignored=("id", "name"))
    values = body.get("option_values") or []
    errors = value_errors(values, "option_values", option["option_values"], creating=False)
    if errors:
        raise ApiProblem(422, INVALID, errors)
    OPTIONS.check_display_name(product, body.get("display_name"), option["id"])
    for key in ("display_name", "type", "config", "sort_order"):
        if key in body:
            option[key] = body[key]
    OPTIONS.merge_values(option, values, lambda v: new_value(store, v), update_value)
    _rename_in_variants(product, option)
    touch(store, product)
    return data_response(option)


@api.route("DELETE", OPTIONS.item_path)
async def delete_option(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    option_id = request.path_params["option_id"]
    if OPTIONS.remove(product, option_id):
        drop_variants(store, product, _uses(option_id))
        touch(store, product)
    return empty(204)


@api.route("POST", OPTIONS.values_path)
async def post_value(request: Request, store: Store) -> Response:
    product, option = OPTIONS.item(request, store)
    body = await read_object(request)
    errors = value_errors([body], "", option["option_values"], creating=True)
    if errors:
        raise ApiProblem(422, INVALID, {k.removeprefix("[0]."): v for k, v in errors.items()})
    value = new_value(store, body)
    option["option_values"].append(value)
    touch(store, product)
    return data_response(value)


@api.route("PUT", OPTIONS.value_path)
async def put_value(request: Request, store: Store) -> Response:
    product, option = OPTIONS.item(request, store)
    value = OPTIONS.value(request, option)
    body = await read_object(request)
    check_fields(body, VALUE_FIELDS, ignored=("id", "option_id"))
    clash = OPTIONS.label_clash(option, body.get("label"), value["id"])
    if clash:
        raise ApiProblem(422, INVALID, clash)
    update_value(value, body)
    _rename_in_variants(product, option)
    touch(store, product)
    return data_response(value)


@api.route("DELETE", OPTIONS.value_path)
async def delete_value(request: Request, store: Store) -> Response:
    product, option = OPTIONS.item(request, store)
    value_id = request.path_params["value_id"]
    if OPTIONS.remove_value(option, value_id):
        drop_variants(store, product, _uses(option["id"], {value_id}))
        touch(store, product)
    return empty(204)
