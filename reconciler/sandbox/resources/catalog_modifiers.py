"""Product modifiers and modifier values (product-modifiers_catalog.v3.yml).

``/v3/catalog/products/{id}/modifiers[/{modifier_id}[/values[/{value_id}[/image]]]]``.
A modifier needs ``required``, ``display_name`` and ``type``; its ``display_name`` is unique
among the product's options and modifiers (409). Multiple-choice types hold values
(``label``, ``sort_order``, ``adjusters``); a ``checkbox`` modifier gets its "Yes"/"No"
values on creation; text, number, date and file modifiers take no values (422).
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
from reconciler.sandbox.resources.catalog_documents import get_product, touch
from reconciler.sandbox.resources.catalog_images import keep_file, read_upload
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

MODIFIER_TYPES = (
    "date",
    "checkbox",
    "file",
    "text",
    "multi_line_text",
    "numbers_only_text",
    *CHOICE_TYPES,
)
MODIFIER_FIELDS: dict[str, Field] = {
    "type": Field("enum", choices=MODIFIER_TYPES),
    "required": Field("bool"),
    "sort_order": Field("int"),
    "config": Field("obj"),
    "display_name": Field("str", min_len=1, max_len=255),
    "option_values": Field("list"),
    "product_id": Field("int"),
}
MODIFIER_VALUE_FIELDS: dict[str, Field] = {**VALUE_FIELDS, "adjusters": Field("obj")}
ADJUSTER_KINDS = ("relative", "percentage")
MODIFIERS = OptionLike(
    key="modifiers",
    noun="modifier",
    id_param="modifier_id",
    named="a modifier or option",
    base="/v3/catalog/products/{product_id:int}/modifiers",
)
MODIFIERS.serve_reads(api)


def _adjusters(given: dict[str, Any] | None) -> dict[str, Any]:
    """A value's adjusters. A price or weight adjuster is present only when set: BigCommerce
    sends ``{"adjuster": null}``, which the values endpoints' schema does not allow."""
    given = given or {}
    out: dict[str, Any] = {"image_url": "", "purchasing_disabled": {"status": False, "message": ""}}
    for key in ("price", "weight"):
        part = given.get(key)
        if isinstance(part, dict) and part.get("adjuster") is not None:
            out[key] = {
                "adjuster": part["adjuster"],
                "adjuster_value": part.get("adjuster_value", 0),
            }
    if isinstance(given.get("image_url"), str):
        out["image_url"] = given["image_url"]
    if isinstance(given.get("purchasing_disabled"), dict):
        out["purchasing_disabled"].update(given["purchasing_disabled"])
    return out


def _adjuster_errors(values: list[dict[str, Any]], prefix: str) -> dict[str, str]:
    errors: dict[str, str] = {}
    for i, value in enumerate(values):
        adjusters = value.get("adjusters")
        if not isinstance(adjusters, dict):
            continue
        for key in ("price", "weight"):
            part = adjusters.get(key)
            if part is None:
                continue
            if not isinstance(part, dict) or part.get("adjuster") not in (None, *ADJUSTER_KINDS):
                errors[f"{prefix}[{i}].adjusters.{key}"] = "adjuster must be relative or percentage"
    return errors


def _modifier_value(store: Store, modifier_id: int, value: dict[str, Any]) -> Document:
    doc = new_value(store, value)
    doc["option_id"] = modifier_id
    doc["adjusters"] = _adjusters(value.get("adjusters"))
    return doc


def _update_modifier_value(value: Document, body: dict[str, Any]) -> None:
    update_value(value, body)
    if "adjusters" in body:
        value["adjusters"] = _adjusters(body["adjusters"])


def _check_values(
    kind: str, values: list[dict[str, Any]], existing: list[Document], *, creating: bool
) -> None:
    if values and kind not in (*CHOICE_TYPES, "checkbox"):
        raise ApiProblem(422, INVALID, {"option_values": f"a {kind} modifier has no values"})
    errors = value_errors(values, "option_values", existing, creating=creating)
    errors.update(_adjuster_errors(values, "option_values"))
    if errors:
        raise ApiProblem(422, INVALID, errors)


@api.route("POST", MODIFIERS.base)
async def post_modifier(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    body = await read_object(request)
    check_fields(
        body, MODIFIER_FIELDS, required=("display_name", "type", "required"), ignored=("id", "name")
    )
    values = body.get("option_values") or []
    _check_values(body["type"], values, [], creating=True)
    MODIFIERS.check_display_name(product, body["display_name"], None)
    modifier_id = store.next_counter(OPTION_COUNTER)
    if body["type"] == "checkbox" and not values:
        values = [
            {"label": "Yes", "sort_order": 0},
            {"label": "No", "sort_order": 1, "is_default": True},
        ]
    modifier: Document = {
        "id": modifier_id,
        "product_id": product["id"],
        "name": f"{body['display_name']}{product['id']}",
        "display_name": body["display_name"],
        "type": body["type"],
        "required": body["required"],
        "sort_order": body.get("sort_order", len(product["modifiers"])),
        "config": body.get("config", {}),
        "option_values": [_modifier_value(store, modifier_id, v) for v in values],
    }
    product["modifiers"].append(modifier)
    touch(store, product)
    return data_response(modifier)


@api.route("PUT", MODIFIERS.item_path)
async def put_modifier(request: Request, store: Store) -> Response:
    product, modifier = MODIFIERS.item(request, store)
    body = await read_object(request)
    check_fields(body, MODIFIER_FIELDS, ignored=("id", "name"))
    if body.get("type", modifier["type"]) != modifier["type"]:
        raise ApiProblem(422, INVALID, {"type": "the type of a modifier cannot change"})
    values = body.get("option_values") or []
    _check_values(modifier["type"], values, modifier["option_values"], creating=False)
    MODIFIERS.check_display_name(product, body.get("display_name"), modifier["id"])
    for key in ("display_name", "required", "sort_order", "config"):
        if key in body:
            modifier[key] = body[key]
    MODIFIERS.merge_values(
        modifier,
        values,
        lambda v: _modifier_value(store, modifier["id"], v),
        _update_modifier_value,
    )
    touch(store, product)
    return data_response(modifier)


@api.route("DELETE", MODIFIERS.item_path)
async def delete_modifier(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    modifier_id = request.path_params["modifier_id"]
    if MODIFIERS.remove(product, modifier_id):
        touch(store, product)
    return empty(204)


@api.route("POST", MODIFIERS.values_path)
async def post_value(request: Request, store: Store) -> Response:
    product, modifier = MODIFIERS.item(request, store)
    body = await read_object(request)
    check_fields(
        body, MODIFIER_VALUE_FIELDS, required=("label", "sort_order"), ignored=("id", "option_id")
    )
    try:
        _check_values(modifier["type"], [body], modifier["option_values"], creating=True)
    except ApiProblem as problem:
        problem.errors = {k.replace("option_values[0].", ""): v for k, v in problem.errors.items()}
        raise
    value = _modifier_value(store, modifier["id"], body)
    modifier["option_values"].append(value)
    touch(store, product)
    return data_response(value)


@api.route("PUT", MODIFIERS.value_path)
async def put_value(request: Request, store: Store) -> Response:
    product, modifier = MODIFIERS.item(request, store)
    value = MODIFIERS.value(request, modifier)
    body = await read_object(request)
    check_fields(body, MODIFIER_VALUE_FIELDS, ignored=("id", "option_id"))
    errors = _adjuster_errors([body], "")
    errors.update(MODIFIERS.label_clash(modifier, body.get("label"), value["id"]))
    if errors:
        raise ApiProblem(422, INVALID, errors)
    _update_modifier_value(value, body)
    touch(store, product)
    return data_response(value)


@api.route("DELETE", MODIFIERS.value_path)
async def delete_value(request: Request, store: Store) -> Response:
    product, modifier = MODIFIERS.item(request, store)
    value_id = request.path_params["value_id"]
    MODIFIERS.remove_value(modifier, value_id)  # touched even when it was not there
    touch(store, product)
    return empty(204)


@api.route("POST", MODIFIERS.value_path + "/image")
async def post_value_image(request: Request, store: Store) -> Response:
    product, modifier = MODIFIERS.item(request, store)
    value = MODIFIERS.value(request, modifier)
    _, data, _ = await read_upload(request)
    url = keep_file(store, request, f"modifier-{value['id']}", data) + "/standard"
    value["adjusters"]["image_url"] = url
    touch(store, product)
    return data_response({"image_url": url})
