"""Wire details shared by the sandbox's catalogue modules (products, brands, categories).

This module registers no endpoints. It holds:

* :class:`Field` and :func:`check_fields`: type, enum, length and range checks of request
  bodies against the OpenAPI schemas, answering every problem at once (422);
* the collection names and indexes of the catalogue (products, brands, categories,
  trees, metafields, image files), and :func:`delete_metafields` (an owner's deletion
  takes its metafields with it);
* the store-wide ``custom_url`` registry: a URL is unique across products, categories
  and brands (compared case-insensitively);
* :func:`not_found` and :func:`find_item`: the 404 of a missing entity or sub-resource item;
* small query helpers (``include_fields``/``exclude_fields``, ``date:min`` filters).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from reconciler.sandbox.http import ApiProblem, csv_param
from reconciler.sandbox.storage import Document, Store, define_collection, define_index

SCOPE = "store_v2_products"

PRODUCTS = "catalog_products"
BRANDS = "catalog_brands"
CATEGORIES = "catalog_categories"
TREES = "catalog_trees"
METAFIELDS = "catalog_metafields"
IMAGE_FILES = "catalog_image_files"


def _url_key(doc: Document, field: str) -> list[str]:
    url = (doc.get(field) or {}).get("url" if field == "custom_url" else "path")
    return [url.lower()] if isinstance(url, str) and url else []


define_collection(PRODUCTS)
define_index(
    PRODUCTS,
    "sku",
    lambda d: {
        s.lower()
        for s in [d["sku"], *(v["sku"] for v in d["variants"])]
        if isinstance(s, str) and s
    },
)
define_index(PRODUCTS, "name", lambda d: [d["name"].lower()])
define_index(PRODUCTS, "brand", lambda d: [d["brand_id"]] if d["brand_id"] else [])
define_index(PRODUCTS, "category", lambda d: set(d["categories"]))
define_index(PRODUCTS, "variant", lambda d: [v["id"] for v in d["variants"]])
define_index(PRODUCTS, "url", lambda d: _url_key(d, "custom_url"))

define_collection(BRANDS)
define_index(BRANDS, "name", lambda d: [d["name"].lower()])
define_index(BRANDS, "url", lambda d: _url_key(d, "custom_url"))

define_collection(CATEGORIES)
define_index(CATEGORIES, "siblings", lambda d: [(d["tree_id"], d["parent_id"])])
define_index(CATEGORIES, "tree", lambda d: [d["tree_id"]])
define_index(CATEGORIES, "url", lambda d: _url_key(d, "url"))

define_collection(TREES)

define_collection(METAFIELDS)
define_index(METAFIELDS, "resource", lambda d: [(d["resource_type"], d["resource_id"])])

define_collection(IMAGE_FILES, id_field="key")


def delete_metafields(store: Store, resource_type: str, resource_ids: Iterable[int]) -> None:
    """Delete the metafields of the given products, variants, brands or categories."""
    metafields = store.collection(METAFIELDS)
    for resource_id in resource_ids:
        for metafield in metafields.lookup("resource", (resource_type, resource_id)):
            metafields.delete(metafield["id"])


INVALID = "JSON data is missing or invalid"


# -- body validation ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    """What the OpenAPI schema says one request field must be.

    ``kind`` is one of ``str``, ``num``, ``int``, ``bool``, ``enum``, ``ints``, ``strs``,
    ``obj``, ``list`` (array of objects) or ``any``.
    """

    kind: str
    max_len: int | None = None
    min_len: int = 0
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[Any, ...] = ()
    nullable: bool = False


def _type_error(spec: Field, value: Any) -> str | None:
    kind = spec.kind
    if value is None:
        return None if spec.nullable else "must not be null"
    if kind == "str":
        if not isinstance(value, str):
            return "must be a string"
        if len(value) < spec.min_len:
            return f"must be at least {spec.min_len} characters long"
        if spec.max_len is not None and len(value) > spec.max_len:
            return f"must be at most {spec.max_len} characters long"
        return None
    if kind in ("num", "int"):
        ok = isinstance(value, int) if kind == "int" else isinstance(value, (int, float))
        if isinstance(value, bool) or not ok:
            return "must be an integer" if kind == "int" else "must be a number"
        if not math.isfinite(value):
            return "must be a finite number"
        if spec.minimum is not None and value < spec.minimum:
            return f"must be at least {spec.minimum:g}"
        if spec.maximum is not None and value > spec.maximum:
            return f"must be at most {spec.maximum:g}"
        return None
    if kind == "bool":
        return None if isinstance(value, bool) else "must be a boolean"
    if kind == "enum":
        if value not in spec.choices:
            return f"must be one of {', '.join(map(str, spec.choices))}; got {value!r}"
        return None
    if kind == "ints":
        if not isinstance(value, list) or any(
            isinstance(v, bool) or not isinstance(v, int) for v in value
        ):
            return "must be an array of integers"
        if spec.max_len is not None and len(value) > spec.max_len:
            return f"must have at most {spec.max_len} items"
        return None
    if kind == "strs":
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return "must be an array of strings"
        return None
    if kind == "obj":
        return None if isinstance(value, dict) else "must be an object"
    if kind == "list":
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            return "must be an array of objects"
        if spec.max_len is not None and len(value) > spec.max_len:
            return f"must have at most {spec.max_len} items"
        return None
    return None


def field_errors(
    body: Mapping[str, Any],
    fields: Mapping[str, Field],
    *,
    required: Iterable[str] = (),
    ignored: Iterable[str] = (),
    prefix: str = "",
) -> dict[str, str]:
    """Every problem of ``body``: missing ``required`` fields, unknown fields, wrong values.

    ``ignored`` names read-only fields a client may echo back (``id``, ``date_created``):
    accepted and dropped, as BigCommerce does. Keys are ``prefix + field``.
    """
    errors: dict[str, str] = {}
    for name in required:
        if body.get(name) is None or body.get(name) == "":
            errors[prefix + name] = f"{name} is required"
    skip = set(ignored)
    for name, value in body.items():
        if prefix + name in errors:
            continue
        spec = fields.get(name)
        if spec is None:
            if name not in skip:
                errors[prefix + name] = f"{name} is not a valid field of this resource"
            continue
        message = _type_error(spec, value)
        if message:
            errors[prefix + name] = f"{name} {message}"
    return errors


def check_fields(
    body: Mapping[str, Any],
    fields: Mapping[str, Field],
    *,
    required: Iterable[str] = (),
    ignored: Iterable[str] = (),
    prefix: str = "",
) -> None:
    """Raise a 422 naming every problem of ``body`` (see :func:`field_errors`)."""
    errors = field_errors(body, fields, required=required, ignored=ignored, prefix=prefix)
    if errors:
        raise ApiProblem(422, INVALID, errors)


def known(body: Mapping[str, Any], fields: Mapping[str, Field]) -> dict[str, Any]:
    """The fields of ``body`` the resource has (read-only echoes dropped); numbers as floats."""
    out: dict[str, Any] = {}
    for name, value in body.items():
        spec = fields.get(name)
        if spec is None:
            continue
        out[name] = float(value) if spec.kind == "num" and value is not None else value
    return out


def conflict(field: str, message: str) -> ApiProblem:
    return ApiProblem(409, "The request conflicts with existing data.", {field: message})


def not_found(what: str, ident: object) -> ApiProblem:
    return ApiProblem(404, "The requested resource was not found.", {"id": f"no {what} {ident}"})


def find_item(items: Iterable[Document], item_id: object, what: str) -> Document:
    """The item of a product's sub-resource array with ``item_id``, or a 404 naming ``what``."""
    for item in items:
        if item["id"] == item_id:
            return item
    raise not_found(what, item_id)


# -- custom URLs ----------------------------------------------------------------------------------
_SLUG = re.compile(r"[^a-z0-9]+")


def slug(name: str) -> str:
    return _SLUG.sub("-", name.lower()).strip("-") or "item"


def url_owner(store: Store, url: str) -> tuple[str, int] | None:
    """Which entity uses ``url`` as its custom URL: ``("product"|"brand"|"category", id)``."""
    key = url.lower()
    for kind, coll, id_field in (
        ("product", PRODUCTS, "id"),
        ("brand", BRANDS, "id"),
        ("category", CATEGORIES, "id"),
    ):
        for doc in store.collection(coll).lookup("url", key):
            return kind, int(doc[id_field])
    return None


def check_url_free(store: Store, url: str, me: tuple[str, int | None], field: str) -> None:
    """409 when ``url`` belongs to another product, brand or category."""
    owner = url_owner(store, url)
    if owner is not None and owner != me:
        raise conflict(field, f"The URL {url!r} is already used by {owner[0]} {owner[1]}")


def free_url(store: Store, base: str, taken: set[str] | None = None) -> str:
    """``base`` (``/name/``) or ``/name-2/``... : the default URL BigCommerce derives."""
    stem = base.rstrip("/")
    candidate, n = base, 1
    while url_owner(store, candidate) is not None or (taken and candidate.lower() in taken):
        n += 1
        candidate = f"{stem}-{n}/"
    return candidate


# -- queries --------------------------------------------------------------------------------------
def field_selector(request: Request) -> tuple[set[str] | None, set[str]]:
    """``include_fields`` (None = all) and ``exclude_fields``; ``id`` is always kept."""
    include = csv_param(request, "include_fields")
    exclude = set(csv_param(request, "exclude_fields") or ()) - {"id"}
    return (set(include) | {"id"} if include is not None else None), exclude


def select_fields(
    doc: dict[str, Any], include: set[str] | None, exclude: set[str], keep: Iterable[str] = ()
) -> dict[str, Any]:
    if include is None and not exclude:
        return doc
    kept = set(keep)
    return {
        k: v
        for k, v in doc.items()
        if (include is None or k in include or k in kept) and k not in exclude
    }


def parse_when(request: Request, name: str) -> datetime | None:
    """A date filter (``2024-01-31``, RFC 3339 or a Unix timestamp) as an aware datetime."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        if raw.isdigit():
            return datetime.fromtimestamp(int(raw), UTC)
        when = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiProblem(
            422, "Invalid query parameter", {name: f"not a date or date-time: {raw!r}"}
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def stamp(value: str) -> datetime:
    return datetime.fromisoformat(value)


def int_query(request: Request, name: str) -> int | None:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        raise ApiProblem(
            422, "Invalid query parameter", {name: f"must be an integer, got {raw!r}"}
        ) from None


META_EMPTY: dict[str, Any] = {}
