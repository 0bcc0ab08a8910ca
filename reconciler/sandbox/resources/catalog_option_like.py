"""What variant options and product modifiers share (their endpoints mirror each other).

Both live inside the product document (``product["options"]``, ``product["modifiers"]``),
take their ids from the same counters and hold ``option_values``. This module registers
no endpoints of its own; it holds:

* :class:`OptionLike`: a :class:`~.catalog_product_arrays.ProductArray` whose items hold
  values. It finds the value a path names (404 otherwise), removes and merges values,
  checks the display-name rule and the label rule in that kind's words, and serves the
  four reads (list and get of options/modifiers and of their values), alike for both;
* the display-name rule: unique per product among options *and* modifiers (409);
* the value rules: ``label`` and ``sort_order`` required on creation, labels distinct
  within their option or modifier, at most 250 values (422); new and updated values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import data_response, list_response
from reconciler.sandbox.resources.catalog_common import Field, conflict, field_errors, find_item
from reconciler.sandbox.resources.catalog_documents import MAX_OPTION_VALUES
from reconciler.sandbox.resources.catalog_product_arrays import ProductArray
from reconciler.sandbox.storage import Document, Store

OPTION_COUNTER = "catalog_options"
"""Ids of options and modifiers come from one counter (they share a display-name space)."""
VALUE_COUNTER = "catalog_option_values"
CHOICE_TYPES = (
    "radio_buttons",
    "rectangles",
    "dropdown",
    "product_list",
    "product_list_with_images",
    "swatch",
)
"""The option types; a modifier of one of these types is a multiple choice with values."""
VALUE_FIELDS: dict[str, Field] = {
    "label": Field("str", min_len=1, max_len=255),
    "sort_order": Field("int", minimum=-2147483648, maximum=2147483647),
    "value_data": Field("obj", nullable=True),
    "is_default": Field("bool"),
}


@dataclass(frozen=True)
class OptionLike(ProductArray):
    """Variant options or modifiers: a product array whose items hold values."""

    named: str
    """How a display-name conflict names the other holder: ``an option``..."""

    @property
    def values_path(self) -> str:
        return f"{self.item_path}/values"

    @property
    def value_path(self) -> str:
        return f"{self.values_path}/{{value_id:int}}"

    def value(self, request: Request, parent: Document) -> Document:
        """The value of ``parent`` the path names, or a 404."""
        return self.value_by_id(parent, request.path_params["value_id"])

    def value_by_id(self, parent: Document, value_id: int) -> Document:
        """The value ``value_id`` of ``parent``, or a 404."""
        return find_item(parent["option_values"], value_id, f"{self.noun} value")

    @staticmethod
    def remove_value(parent: Document, value_id: int) -> bool:
        """Drop value ``value_id`` from ``parent``; whether it was there."""
        if not any(v["id"] == value_id for v in parent["option_values"]):
            return False
        parent["option_values"] = [v for v in parent["option_values"] if v["id"] != value_id]
        return True

    def merge_values(
        self,
        parent: Document,
        values: list[dict[str, Any]],
        create: Callable[[dict[str, Any]], Document],
        update: Callable[[Document, dict[str, Any]], None],
    ) -> None:
        """Apply checked ``option_values`` of a PUT: items with an ``id`` ``update`` that
        value, the others are added as ``create`` makes them."""
        for value in values:
            if "id" in value:
                update(self.value_by_id(parent, value["id"]), value)
            else:
                parent["option_values"].append(create(value))

    def check_display_name(self, product: Document, name: Any, exclude: int | None) -> None:
        """409 when another option or modifier of ``product`` is already called ``name``."""
        if name and display_name_taken(product, name, exclude):
            raise conflict("display_name", f"{self.named} named {name!r} exists")

    def label_clash(self, parent: Document, label: Any, value_id: int) -> dict[str, str]:
        """``{"label": message}`` when another value of ``parent`` has ``label``."""
        if label and any(
            v["label"].lower() == label.lower() and v["id"] != value_id
            for v in parent["option_values"]
        ):
            return {"label": f"the label {label!r} is already used in this {self.noun}"}
        return {}

    def serve_reads(self, api: Api) -> None:
        """Register the four reads: the array and one item, its values and one value."""
        super().serve_reads(api)

        @api.route("GET", self.values_path)
        async def list_values(request: Request, store: Store) -> Response:
            return list_response(self.item(request, store)[1]["option_values"], request)

        @api.route("GET", self.value_path)
        async def get_value(request: Request, store: Store) -> Response:
            return data_response(self.value(request, self.item(request, store)[1]))


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
    """Problems of option values (ids that exist, labels distinct within the option, at
    most 250)."""
    errors: dict[str, str] = {}
    labels = {v["label"].lower() for v in existing}
    existing_ids = {v["id"] for v in existing}
    for i, value in enumerate(values):
        where = f"{prefix}[{i}]."
        if "id" in value and value["id"] not in existing_ids:
            # Checked before anything is written, so a PUT naming an unknown value
            # leaves the option or modifier untouched.
            errors[f"{where}id"] = f"no value {value['id']} in this option"
            continue
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
    if len(existing) + sum(1 for v in values if "id" not in v) > MAX_OPTION_VALUES:
        errors[prefix] = f"an option has at most {MAX_OPTION_VALUES} values"
    return errors


def new_value(store: Store, value: dict[str, Any]) -> Document:
    """An option or modifier value; ``value_data`` only when given (the values endpoints'
    schema does not allow the ``null`` BigCommerce sends for plain values)."""
    doc: Document = {
        "id": store.next_counter(VALUE_COUNTER),
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
