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
from reconciler.sandbox.http import ApiProblem, data_response, empty, list_response, read_object
from reconciler.sandbox.resources.catalog_common import (
    INVALID,
    SCOPE,
    Field,
    check_fields,
    conflict,
    field_errors,
    not_found,
)
from reconciler.sandbox.resources.catalog_documents import drop_variants, get_product, touch
from reconciler.sandbox.storage import Document, Store

api = Api(scope=SCOPE)

MAX_VALUES = 250
OPTION_TYPES = (
    "radio_buttons",
    "rectangles",
    "dropdown",
    "product_list",
    "product_list_with_images",
    "swatch",
)
OPTION_FIELDS: dict[str, Field] = {
    "product_id": Field("int"),
    "display_name": Field("str", min_len=1, max_len=255),
    "type": Field("enum", choices=OPTION_TYPES),
    "config": Field("obj"),
    "sort_order": Field("int"),
    "option_values": Field("list"),
    "image_url": Field("str"),
}
VALUE_FIELDS: dict[str, Field] = {
    "label": Field("str", min_len=1, max_len=255),
    "sort_order": Field("int", minimum=-2147483648, maximum=2147483647),
    "value_data": Field("obj", nullable=True),
    "is_default": Field("bool"),
}
BASE = "/v3/catalog/products/{product_id:int}/options"


def display_name_taken(product: Document, name: str, exclude: int | None) -> bool:
    """Whether another option or modifier of ``product`` has ``name`` (case-insensitive)."""
    lowered = name.lower()
    return any(
        o["display_name"].lower() == lowered and o["id"] != exclude
        for o in (*product["options"], *product["modifiers"])
    )


def value_errors(
    values: list[dict[str, Any]], prefix: str, existing: list[Document], *, creating: bool
) -> dict[str, str]:
    """Problems of option values (labels distinct within the option, at most 250)."""
    errors: dict[str, str] = {}
    labels = {v["label"].lower() for v in existing}
    for i, value in enumerate(values):
        where = f"{prefix}[{i}]."
        required = ("label", "sort_order") if creating or "id" not in value else ()
        found = field_errors(
            value,
            VALUE_FIELDS,
            required=required,
            ignored=("id", "option_id", "adjusters"),
            prefix=where,
        )
        errors.update(found)
        label = value.get("label")
        if isinstance(label, str) and not found and "id" not in value:
            if label.lower() in labels:
                errors[f"{where}label"] = f"the label {label!r} is already used in this option"
            labels.add(label.lower())
    if len(existing) + sum(1 for v in values if "id" not in v) > MAX_VALUES:
        errors[prefix] = f"an option has at most {MAX_VALUES} values"
    return errors


def new_value(store: Store, value: dict[str, Any], counter: str) -> Document:
    """An option or modifier value; ``value_data`` only when given (the values endpoints'
    schema does not allow the ``null`` BigCommerce sends for plain values)."""
    doc: Document = {
        "id": store.next_counter(counter),
        "label": value["label"],
        "sort_order": value.get("sort_order", 0),
        "is_default": bool(value.get("is_default", False)),
    }
    if value.get("value_data") is not None:
        doc["value_data"] = value["value_data"]
    return doc


def update_value(value: Document, body: dict[str, Any]) -> None:
    """Apply ``body``'s value fields; a null ``value_data`` removes it."""
    value.update({k: v for k, v in body.items() if k in VALUE_FIELDS})
    if value.get("value_data", 0) is None:
        del value["value_data"]


def _option(product: Document, option_id: int) -> Document:
    option: Document
    for option in product["options"]:
        if option["id"] == option_id:
            return option
    raise not_found("option", option_id)


def _value(option: Document, value_id: int) -> Document:
    value: Document
    for value in option["option_values"]:
        if value["id"] == value_id:
            return value
    raise not_found("option value", value_id)


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


@api.route("GET", BASE)
async def list_options(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    return list_response(product["options"], request)


@api.route("POST", BASE)
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
    if display_name_taken(product, body["display_name"], None):
        raise conflict("display_name", f"an option named {body['display_name']!r} exists")
    option: Document = {
        "id": store.next_counter("catalog_options"),
        "product_id": product["id"],
        "display_name": body["display_name"],
        "type": body["type"],
        "config": body.get("config", {}),
        "sort_order": body.get("sort_order", len(product["options"])),
        "option_values": [
            new_value(store, v, "catalog_option_values") for v in body["option_values"]
        ],
        "name": f"{body['display_name']}{product['id']}",
    }
    product["options"].append(option)
    touch(store, product)
    return data_response(option)


@api.route("GET", BASE + "/{option_id:int}")
async def get_option(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    return data_response(_option(product, request.path_params["option_id"]))


@api.route("PUT", BASE + "/{option_id:int}")
async def put_option(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    option = _option(product, request.path_params["option_id"])
    body = await read_object(request)
    check_fields(body, OPTION_FIELDS, ignored=("id", "name"))
    values = body.get("option_values") or []
    errors = value_errors(values, "option_values", option["option_values"], creating=False)
    for i, value in enumerate(values):
        if "id" in value and value["id"] not in {v["id"] for v in option["option_values"]}:
            errors[f"option_values[{i}].id"] = f"no value {value['id']} in this option"
    if errors:
        raise ApiProblem(422, INVALID, errors)
    name = body.get("display_name")
    if name and display_name_taken(product, name, option["id"]):
        raise conflict("display_name", f"an option named {name!r} exists")
    for key in ("display_name", "type", "config", "sort_order"):
        if key in body:
            option[key] = body[key]
    for value in values:
        if "id" in value:
            update_value(_value(option, value["id"]), value)
        else:
            option["option_values"].append(new_value(store, value, "catalog_option_values"))
    _rename_in_variants(product, option)
    touch(store, product)
    return data_response(option)


@api.route("DELETE", BASE + "/{option_id:int}")
async def delete_option(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    option_id = request.path_params["option_id"]
    if any(o["id"] == option_id for o in product["options"]):
        product["options"] = [o for o in product["options"] if o["id"] != option_id]
        drop_variants(store, product, _uses(option_id))
        touch(store, product)
    return empty(204)


@api.route("GET", BASE + "/{option_id:int}/values")
async def list_values(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    option = _option(product, request.path_params["option_id"])
    return list_response(option["option_values"], request)


@api.route("POST", BASE + "/{option_id:int}/values")
async def post_value(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    option = _option(product, request.path_params["option_id"])
    body = await read_object(request)
    errors = value_errors([body], "", option["option_values"], creating=True)
    if errors:
        raise ApiProblem(422, INVALID, {k.removeprefix("[0]."): v for k, v in errors.items()})
    value = new_value(store, body, "catalog_option_values")
    option["option_values"].append(value)
    touch(store, product)
    return data_response(value)


@api.route("GET", BASE + "/{option_id:int}/values/{value_id:int}")
async def get_value(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    option = _option(product, request.path_params["option_id"])
    return data_response(_value(option, request.path_params["value_id"]))


@api.route("PUT", BASE + "/{option_id:int}/values/{value_id:int}")
async def put_value(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    option = _option(product, request.path_params["option_id"])
    value = _value(option, request.path_params["value_id"])
    body = await read_object(request)
    check_fields(body, VALUE_FIELDS, ignored=("id", "option_id"))
    label = body.get("label")
    if label and any(
        v["label"].lower() == label.lower() and v["id"] != value["id"]
        for v in option["option_values"]
    ):
        raise ApiProblem(
            422, INVALID, {"label": f"the label {label!r} is already used in this option"}
        )
    update_value(value, body)
    _rename_in_variants(product, option)
    touch(store, product)
    return data_response(value)


@api.route("DELETE", BASE + "/{option_id:int}/values/{value_id:int}")
async def delete_value(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    option = _option(product, request.path_params["option_id"])
    value_id = request.path_params["value_id"]
    if any(v["id"] == value_id for v in option["option_values"]):
        option["option_values"] = [v for v in option["option_values"] if v["id"] != value_id]
        drop_variants(store, product, _uses(option["id"], {value_id}))
        touch(store, product)
    return empty(204)
