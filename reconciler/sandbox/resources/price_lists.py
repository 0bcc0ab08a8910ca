"""Price lists V3 (price_lists.v3.yml): lists, records and assignments.

* ``/v3/pricelists``: ``name`` is required and unique (409); DELETE removes the lists
  matching ``id:in``/``name`` (all of them without a filter, as "Delete All Price Lists"
  says) with their records and assignments.
* Records are keyed by (price list, variant, currency). An item names its variant by
  ``variant_id`` or by ``sku``, resolved against the catalogue (``catalog_products``);
  the parent SKU of a product with option variants is not a variant. ``POST .../records``
  takes at most 100 items and creates only (an existing record is an error for that
  item), ``PUT .../records`` upserts at most 1000 (2 concurrent requests). Items that fail
  are reported per item as ``batch_errors`` in a 422 while the valid items are written
  ("May include errors during partial create in non-strict mode").
* Records show ``sku`` and ``bulk_pricing_tiers`` only when asked for with ``include=``.
* Assignments bind a price list to a (customer group, channel); a pair holds one price
  list. ``POST /v3/pricelists/assignments`` takes at most 25; DELETE needs a filter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import (
    ApiProblem,
    check_batch_size,
    csv_param,
    data_response,
    empty,
    includes,
    int_list_param,
    json_response,
    list_response,
    now_iso,
    read_json,
    read_object,
)
from reconciler.sandbox.resources._support import NUMBER, check_type, named_exactly
from reconciler.sandbox.resources.channels import DEFAULT_CHANNEL_ID
from reconciler.sandbox.resources.query_filters import (
    DATE_FILTERS,
    PAGING,
    Filterable,
    FilterSet,
    Predicate,
)
from reconciler.sandbox.storage import Document, Store, define_collection, define_index

api = Api(scope="store_v2_products")

LISTS = "price_lists"
RECORDS = "price_list_records"
ASSIGNMENTS = "price_list_assignments"
PRODUCTS = "catalog_products"  # the catalogue's collection, read only

MAX_CREATE = 100
MAX_UPSERT = 1000
MAX_ASSIGNMENTS = 25
TIER_TYPES = ("fixed", "price", "percent")
_CURRENCY = re.compile(r"^[A-Za-z]{3}$")
PRICE_FIELDS = ("price", "sale_price", "retail_price", "map_price")

define_collection(LISTS)
define_index(LISTS, "name", lambda d: [d["name"].lower()])
define_collection(RECORDS)
define_index(RECORDS, "slot", lambda d: [(d["price_list_id"], d["variant_id"], d["currency"])])
define_index(RECORDS, "list", lambda d: [d["price_list_id"]])
define_index(RECORDS, "list_sku", lambda d: [(d["price_list_id"], d["sku"].lower())])
define_index(RECORDS, "list_variant", lambda d: [(d["price_list_id"], d["variant_id"])])
define_collection(ASSIGNMENTS)
define_index(ASSIGNMENTS, "list", lambda d: [d["price_list_id"]])
define_index(ASSIGNMENTS, "pair", lambda d: [(d["customer_group_id"], d["channel_id"])])

INVALID = "JSON data is missing or invalid"


# -- price lists ---------------------------------------------------------------------------------
def _list(store: Store, price_list_id: int) -> Document:
    doc = store.collection(LISTS).get(price_list_id)
    if doc is None:
        raise ApiProblem(
            404, "Price list not found", {"price_list_id": f"no price list {price_list_id}"}
        )
    return doc


def _check_list_body(store: Store, body: dict[str, Any], own_id: int | None) -> None:
    unknown = sorted(set(body) - {"name", "active", "id", "date_created", "date_modified"})
    errors = dict.fromkeys(unknown, "is not a valid field of a price list")
    errors.update(check_type(body, {"name": str, "active": bool}))
    if not errors and not body.get("name"):
        errors["name"] = "name is required"
    if errors:
        raise ApiProblem(422, INVALID, errors)
    clash = [
        d for d in store.collection(LISTS).lookup("name", body["name"].lower()) if d["id"] != own_id
    ]
    if clash:
        raise ApiProblem(
            409,
            "Price list name must be unique",
            {"name": f"a price list named {body['name']!r} already exists (id {clash[0]['id']})"},
        )


_LIST_FIELDS: dict[str, Filterable | Predicate] = {
    "id": Filterable("int"),
    "name": Filterable("str"),
    "date_created": Filterable("date"),
    "date_modified": Filterable("date"),
}
LIST_FILTERS = FilterSet(
    _LIST_FIELDS,
    filters=(
        "id:in",
        "name",
        "name:like",
        *DATE_FILTERS,
    ),
    # Cursors are accepted; pages are offset pages.
    options=(*PAGING, "before", "after"),
)
DELETE_FILTERS = FilterSet(_LIST_FIELDS, filters=("id:in", "name"), options=())


@api.route("GET", "/v3/pricelists", filters=LIST_FILTERS)
async def list_price_lists(request: Request, store: Store) -> Response:
    coll = store.collection(LISTS)
    name = request.query_params.get("name")
    docs = named_exactly(coll, name) if name else list(coll)
    return list_response(LIST_FILTERS.apply(request, docs), request)


def _date_filters(params: Any) -> list[tuple[str, Callable[[str], bool]]]:
    """``date_created``/``date_modified`` filters (exact day or instant, ``:min``, ``:max``)."""
    checks: list[tuple[str, Callable[[str], bool]]] = []
    for field in ("date_created", "date_modified"):
        for suffix in ("", ":min", ":max"):
            value = params.get(field + suffix)
            if value:
                checks.append((field, _date_check(suffix, str(value))))
    return checks


def _date_check(suffix: str, bound: str) -> Callable[[str], bool]:
    if suffix == ":min":
        return lambda stamp: stamp >= bound
    if suffix == ":max":
        return lambda stamp: stamp <= bound
    if len(bound) <= 10:
        return lambda stamp: stamp[:10] == bound
    return lambda stamp: stamp == bound


@api.route("POST", "/v3/pricelists")
async def create_price_list(request: Request, store: Store) -> Response:
    body = await read_object(request)
    _check_list_body(store, body, None)
    coll = store.collection(LISTS)
    now = now_iso()
    doc = {
        "id": coll.new_id(),
        "date_created": now,
        "date_modified": now,
        "name": body["name"],
        "active": body.get("active", True),
    }
    return data_response(coll.save(doc))


@api.route("GET", "/v3/pricelists/{price_list_id:int}")
async def get_price_list(request: Request, store: Store) -> Response:
    return data_response(_list(store, request.path_params["price_list_id"]))


@api.route("PUT", "/v3/pricelists/{price_list_id:int}")
async def update_price_list(request: Request, store: Store) -> Response:
    current = _list(store, request.path_params["price_list_id"])
    body = await read_object(request)
    _check_list_body(store, body, current["id"])
    doc = {
        **current,
        "name": body["name"],
        "active": body.get("active", current["active"]),
        "date_modified": now_iso(),
    }
    return data_response(store.collection(LISTS).save(doc))


def _delete_list(store: Store, price_list_id: int) -> None:
    for record in store.collection(RECORDS).lookup("list", price_list_id):
        store.collection(RECORDS).delete(record["id"])
    for assignment in store.collection(ASSIGNMENTS).lookup("list", price_list_id):
        store.collection(ASSIGNMENTS).delete(assignment["id"])
    store.collection(LISTS).delete(price_list_id)


@api.route("DELETE", "/v3/pricelists", filters=DELETE_FILTERS)
async def delete_price_lists(request: Request, store: Store) -> Response:
    # Without a filter every price list goes ("Delete All Price Lists").
    doomed = [d["id"] for d in DELETE_FILTERS.apply(request, store.collection(LISTS))]
    for price_list_id in doomed:
        _delete_list(store, price_list_id)
    return empty(204)


@api.route("DELETE", "/v3/pricelists/{price_list_id:int}", concurrency=1)
async def delete_price_list(request: Request, store: Store) -> Response:
    doc = _list(store, request.path_params["price_list_id"])
    _delete_list(store, doc["id"])
    return empty(204)


# -- records -------------------------------------------------------------------------------------
def _variant_by_id(store: Store, variant_id: int) -> tuple[Document, Document] | None:
    for product in store.collection(PRODUCTS).lookup("variant", variant_id):
        for variant in product["variants"]:
            if variant["id"] == variant_id:
                return product, variant
    return None


def _variant_by_sku(store: Store, sku: str) -> tuple[Document, Document] | None:
    key = sku.lower()
    for product in store.collection(PRODUCTS).lookup("sku", key):
        for variant in product["variants"]:
            if str(variant.get("sku", "")).lower() == key:
                return product, variant
    return None


def _record_key(price_list_id: int, variant_id: int, currency: str) -> tuple[int, int, str]:
    """What identifies a price record: (price list, variant, lower-cased currency)."""
    return (price_list_id, variant_id, currency.lower())


def _find_record(store: Store, key: tuple[int, int, str]) -> Document | None:
    return next(iter(store.collection(RECORDS).lookup("slot", key)), None)


_RECORD_TYPES: dict[str, type | tuple[type, ...]] = {
    "price_list_id": int,
    "variant_id": int,
    "sku": str,
    "currency": str,
    "price": NUMBER,
    "sale_price": NUMBER,
    "retail_price": NUMBER,
    "map_price": NUMBER,
    "bulk_pricing_tiers": list,
}


def _tier_errors(tiers: list[Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for i, tier in enumerate(tiers):
        where = f"bulk_pricing_tiers[{i}]"
        if not isinstance(tier, dict):
            errors[where] = "must be an object"
            continue
        errors.update(
            check_type(
                tier,
                {"quantity_min": int, "quantity_max": int, "type": str, "amount": NUMBER},
                nullable=("quantity_max",),
                prefix=f"{where}.",
            )
        )
        for name in ("quantity_min", "type", "amount"):
            if name not in tier:
                errors[f"{where}.{name}"] = f"{name} is required"
        if tier.get("type") is not None and tier.get("type") not in TIER_TYPES:
            errors[f"{where}.type"] = f"type must be one of {', '.join(TIER_TYPES)}"
    return errors


class _Batch:
    """Resolves and checks the items of one records batch; writes the valid ones."""

    def __init__(self, store: Store, *, upsert: bool) -> None:
        self.store = store
        self.upsert = upsert
        self.errors: list[dict[str, Any]] = []
        self.valid: list[tuple[tuple[int, int, str], dict[str, Any], Document, Document, int]] = []
        self._seen: set[tuple[int, int, str]] = set()

    def add(self, item: dict[str, Any], price_list_id: int | None) -> None:
        list_id = price_list_id if price_list_id is not None else item.get("price_list_id")
        ident = {k: item[k] for k in ("variant_id", "sku", "currency") if k in item} | (
            {"price_list_id": list_id} if isinstance(list_id, int) else {}
        )
        problems = self._check(item, list_id)
        if problems:
            self.errors.append({"data": ident, "field_errors": problems})

    def _check(self, item: dict[str, Any], list_id: Any) -> dict[str, str]:
        allowed = set(_RECORD_TYPES)
        unknown = sorted(set(item) - allowed)
        errors = dict.fromkeys(unknown, "is not a valid field of a price record")
        errors.update(check_type(item, _RECORD_TYPES))
        if errors:
            return errors
        if not isinstance(list_id, int) or self.store.collection(LISTS).get(list_id) is None:
            return {"price_list_id": f"price list {list_id} does not exist"}
        currency = item.get("currency")
        if not currency:
            return {"currency": "currency is required"}
        if not _CURRENCY.match(currency):
            return {"currency": f"{currency!r} is not a 3-letter ISO 4217 currency code"}
        if "variant_id" in item:
            found = _variant_by_id(self.store, item["variant_id"])
            if found is None:
                return {"variant_id": f"variant {item['variant_id']} does not exist"}
            if "sku" in item and str(found[1].get("sku", "")).lower() != item["sku"].lower():
                return {
                    "sku": f"sku {item['sku']!r} is not the SKU of variant {item['variant_id']}"
                }
        elif "sku" in item:
            found = _variant_by_sku(self.store, item["sku"])
            if found is None:
                return {"sku": f"no variant has the SKU {item['sku']!r}"}
        else:
            return {"variant_id": "one of variant_id or sku is required"}
        for name in PRICE_FIELDS:
            if name in item and item[name] < 0:
                errors[name] = f"{name} must not be negative"
        errors.update(_tier_errors(item.get("bulk_pricing_tiers") or []))
        if errors:
            return errors
        product, variant = found
        key = _record_key(list_id, variant["id"], currency)
        exists = _find_record(self.store, key) is not None
        if exists and not self.upsert:
            return {"currency": f"a {currency.upper()} record for this variant already exists"}
        if not exists and "price" not in item:
            return {"price": "price is required for a new price record"}
        if key in self._seen:
            return {"variant_id": "the batch names this variant and currency twice"}
        self._seen.add(key)
        self.valid.append((key, item, product, variant, list_id))
        return {}

    def write(self) -> None:
        coll = self.store.collection(RECORDS)
        now = now_iso()
        for key, item, product, variant, list_id in self.valid:
            current = _find_record(self.store, key)
            doc: dict[str, Any] = (
                dict(current)
                if current
                else {
                    "id": coll.new_id(),
                    "date_created": now,
                    "price_list_id": list_id,
                    "variant_id": variant["id"],
                    "currency": item["currency"].lower(),
                    "bulk_pricing_tiers": [],
                }
            )
            doc["product_id"] = product["id"]
            doc["sku"] = str(variant.get("sku") or "")
            for name in (*PRICE_FIELDS, "bulk_pricing_tiers"):
                if name in item:
                    doc[name] = item[name]
            doc["calculated_price"] = doc.get("sale_price") or doc["price"]
            doc["date_modified"] = now
            coll.save(doc)

    def response(self) -> Response:
        self.write()
        if self.errors:
            return json_response(
                {
                    "status": 422,
                    "title": "Some price records were not saved",
                    "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
                    "batch_errors": self.errors,
                },
                422,
            )
        return json_response({"data": {}, "meta": {}})


async def _items(request: Request, max_items: int | None) -> list[dict[str, Any]]:
    body = await read_json(request)
    if not isinstance(body, list):
        raise ApiProblem(422, INVALID, {"body": "expected an array of price records"})
    check_batch_size(len(body), max_items)
    if not all(isinstance(item, dict) for item in body):
        raise ApiProblem(422, INVALID, {"body": "every price record must be an object"})
    return body


EXPANSIONS = ("bulk_pricing_tiers", "sku")


def render_record(doc: Document, expand: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """A price record; ``sku`` and ``bulk_pricing_tiers`` only when expanded (``include=``)."""
    hidden = {"id", *(e for e in EXPANSIONS if e not in expand)}
    return {k: v for k, v in doc.items() if k not in hidden}


def _expand(request: Request) -> set[str]:
    return includes(request) & set(EXPANSIONS)


@api.route("GET", "/v3/pricelists/{price_list_id:int}/records")
async def list_records(request: Request, store: Store) -> Response:
    price_list_id = _list(store, request.path_params["price_list_id"])["id"]
    coll = store.collection(RECORDS)
    params = request.query_params
    skus = csv_param(request, "sku:in") or ([params["sku"]] if "sku" in params else None)
    variants = int_list_param(request, "variant_id:in")
    if skus is not None:
        docs = [d for s in skus for d in coll.lookup("list_sku", (price_list_id, s.lower()))]
    elif variants is not None:
        docs = [d for v in variants for d in coll.lookup("list_variant", (price_list_id, v))]
    else:
        docs = coll.lookup("list", price_list_id)
    if variants is not None:
        docs = [d for d in docs if d["variant_id"] in variants]
    products = int_list_param(request, "product_id:in")
    if products is not None:
        docs = [d for d in docs if d["product_id"] in products]
    currencies = csv_param(request, "currency:in") or (
        [params["currency"]] if "currency" in params else None
    )
    if currencies is not None:
        wanted = {c.lower() for c in currencies}
        docs = [d for d in docs if d["currency"] in wanted]
    for name in (*PRICE_FIELDS, "calculated_price"):
        docs = _number_filter(request, docs, name)
    for name, check in _date_filters(params):
        docs = [d for d in docs if check(d[name])]
    if skus is not None or variants is not None:
        # Several lookups: drop repeats and keep the list's (creation) order.
        docs = sorted({d["id"]: d for d in docs}.values(), key=lambda d: d["id"])
    expand = _expand(request)
    return list_response(docs, request, render=lambda d: render_record(d, expand))


def _number_filter(request: Request, docs: list[Document], name: str) -> list[Document]:
    for suffix in ("", ":min", ":max"):
        raw = request.query_params.get(name + suffix)
        if raw is None:
            continue
        try:
            bound = float(raw)
        except ValueError:
            raise ApiProblem(
                422, "Invalid query parameter", {name + suffix: "must be a number"}
            ) from None
        docs = [d for d in docs if d.get(name) is not None and _compare(suffix, d[name], bound)]
    return docs


def _compare(suffix: str, value: float, bound: float) -> bool:
    if suffix == ":min":
        return value >= bound
    if suffix == ":max":
        return value <= bound
    return value == bound


async def _write_records(
    request: Request, store: Store, max_items: int | None, *, upsert: bool, in_list: bool
) -> Response:
    """Create or upsert a batch of records: of the price list the path names (``in_list``)
    or, on the store-wide endpoints, of the list each record names."""
    price_list_id = _list(store, request.path_params["price_list_id"])["id"] if in_list else None
    items = await _items(request, max_items)
    batch = _Batch(store, upsert=upsert)
    for item in items:
        batch.add(item, price_list_id)
    return batch.response()


@api.route("POST", "/v3/pricelists/{price_list_id:int}/records", concurrency=10)
async def create_records(request: Request, store: Store) -> Response:
    return await _write_records(request, store, MAX_CREATE, upsert=False, in_list=True)


@api.route("PUT", "/v3/pricelists/{price_list_id:int}/records", concurrency=2)
async def upsert_records(request: Request, store: Store) -> Response:
    return await _write_records(request, store, MAX_UPSERT, upsert=True, in_list=True)


@api.route("POST", "/v3/pricelists/records", concurrency=10)
async def create_records_any_list(request: Request, store: Store) -> Response:
    return await _write_records(request, store, MAX_CREATE, upsert=False, in_list=False)


@api.route("PUT", "/v3/pricelists/records", concurrency=1)
async def upsert_records_any_list(request: Request, store: Store) -> Response:
    return await _write_records(request, store, None, upsert=True, in_list=False)


@api.route("DELETE", "/v3/pricelists/{price_list_id:int}/records")
async def delete_records(request: Request, store: Store) -> Response:
    price_list_id = _list(store, request.path_params["price_list_id"])["id"]
    coll = store.collection(RECORDS)
    docs = coll.lookup("list", price_list_id)
    variants = int_list_param(request, "variant_id:in")
    if variants is not None:
        docs = [d for d in docs if d["variant_id"] in variants]
    skus = csv_param(request, "sku:in")
    if skus is not None:
        wanted = {s.lower() for s in skus}
        docs = [d for d in docs if d["sku"].lower() in wanted]
    currency = request.query_params.get("currency")
    if currency:
        docs = [d for d in docs if d["currency"] == currency.lower()]
    for doc in docs:
        coll.delete(doc["id"])
    return empty(204)


@api.route("GET", "/v3/pricelists/{price_list_id:int}/records/{variant_id:int}")
async def variant_records(request: Request, store: Store) -> Response:
    price_list_id = _list(store, request.path_params["price_list_id"])["id"]
    docs = store.collection(RECORDS).lookup(
        "list_variant", (price_list_id, request.path_params["variant_id"])
    )
    docs.sort(key=lambda d: d["currency"])
    expand = _expand(request)
    return list_response(docs, request, render=lambda d: render_record(d, expand))


def _record(request: Request, store: Store) -> Document:
    price_list_id = _list(store, request.path_params["price_list_id"])["id"]
    key = _record_key(
        price_list_id, request.path_params["variant_id"], request.path_params["currency"]
    )
    doc = _find_record(store, key)
    if doc is None:
        raise ApiProblem(
            404, "Price record not found", {"currency": "no record for this variant and currency"}
        )
    return doc


_RECORD_PATH = "/v3/pricelists/{price_list_id:int}/records/{variant_id:int}/{currency}"


@api.route("GET", _RECORD_PATH)
async def get_record(request: Request, store: Store) -> Response:
    return data_response(render_record(_record(request, store), _expand(request)))


@api.route("PUT", _RECORD_PATH)
async def put_record(request: Request, store: Store) -> Response:
    price_list_id = _list(store, request.path_params["price_list_id"])["id"]
    body = await read_object(request)
    item = {
        **{k: v for k, v in body.items() if k not in ("variant_id", "currency", "sku")},
        "variant_id": request.path_params["variant_id"],
        "currency": request.path_params["currency"],
    }
    batch = _Batch(store, upsert=True)
    batch.add(item, price_list_id)
    if batch.errors:
        raise ApiProblem(422, INVALID, batch.errors[0]["field_errors"])
    batch.write()
    return data_response(render_record(_record(request, store), _expand(request)))


@api.route("DELETE", _RECORD_PATH)
async def delete_record(request: Request, store: Store) -> Response:
    doc = _record(request, store)
    store.collection(RECORDS).delete(doc["id"])
    return empty(204)


# -- assignments ---------------------------------------------------------------------------------
_ASSIGNMENT_FIELDS: dict[str, Filterable | Predicate] = {
    name: Filterable("int") for name in ("id", "price_list_id", "customer_group_id", "channel_id")
}
ASSIGNMENT_FILTERS = FilterSet(
    _ASSIGNMENT_FIELDS,
    filters=(
        "id",
        "price_list_id",
        "customer_group_id",
        "channel_id",
        "id:in",
        "customer_group_id:in",
        "price_list_id:in",
        "channel_id:in",
    ),
    options=LIST_FILTERS.options,
)
ASSIGNMENT_DELETE_FILTERS = FilterSet(
    _ASSIGNMENT_FIELDS,
    filters=("id", "price_list_id", "customer_group_id", "channel_id", "channel_id:in"),
    options=(),
)


def _matching_assignments(store: Store, request: Request, filters: FilterSet) -> list[Document]:
    coll = store.collection(ASSIGNMENTS)
    one_list = request.query_params.get("price_list_id", "")
    docs = coll.lookup("list", int(one_list)) if one_list.isdigit() else list(coll)
    return filters.apply(request, docs)


@api.route("GET", "/v3/pricelists/assignments", filters=ASSIGNMENT_FILTERS)
async def list_assignments(request: Request, store: Store) -> Response:
    return list_response(_matching_assignments(store, request, ASSIGNMENT_FILTERS), request)


def _assignment_errors(store: Store, item: dict[str, Any], price_list_id: Any) -> dict[str, str]:
    from reconciler.sandbox.resources.channels import channel

    errors = check_type(item, {"price_list_id": int, "customer_group_id": int, "channel_id": int})
    unknown = sorted(set(item) - {"price_list_id", "customer_group_id", "channel_id"})
    errors.update(dict.fromkeys(unknown, "is not a valid field of an assignment"))
    if errors:
        return errors
    if not isinstance(price_list_id, int):
        return {"price_list_id": "price_list_id is required"}
    if store.collection(LISTS).get(price_list_id) is None:
        errors["price_list_id"] = f"price list {price_list_id} does not exist"
    group = item.get("customer_group_id")
    if group is not None and store.collection("customer_groups").get(group) is None:
        errors["customer_group_id"] = f"customer group {group} does not exist"
    channel_id = item.get("channel_id")
    if channel_id is not None and channel(store, channel_id) is None:
        errors["channel_id"] = f"channel {channel_id} does not exist"
    return errors


@api.route("POST", "/v3/pricelists/assignments")
async def create_assignments(request: Request, store: Store) -> Response:
    items = await _items(request, MAX_ASSIGNMENTS)
    coll = store.collection(ASSIGNMENTS)
    errors: dict[str, str] = {}
    pairs: set[tuple[Any, Any]] = set()
    for index, item in enumerate(items):
        problems = _assignment_errors(store, item, item.get("price_list_id"))
        # An assignment without a channel applies on the default one (the spec's answer
        # has no null channel_id).
        if item.get("channel_id") is None:
            item["channel_id"] = DEFAULT_CHANNEL_ID
        pair = (item.get("customer_group_id"), item["channel_id"])
        if not problems and (pair in pairs or coll.lookup("pair", pair)):
            problems["customer_group_id"] = (
                "this customer group already has a price list on this channel"
            )
        pairs.add(pair)
        errors.update({f"[{index}].{k}": v for k, v in problems.items()})
    if errors:
        raise ApiProblem(422, INVALID, errors)
    for item in items:
        coll.save(
            {
                "id": coll.new_id(),
                "price_list_id": item["price_list_id"],
                "customer_group_id": item.get("customer_group_id"),
                "channel_id": item["channel_id"],
            }
        )
    return empty(200)


@api.route("PUT", "/v3/pricelists/{price_list_id:int}/assignments")
async def upsert_assignment(request: Request, store: Store) -> Response:
    price_list_id = _list(store, request.path_params["price_list_id"])["id"]
    body = await read_object(request)
    item = {**body, "price_list_id": price_list_id}
    errors = _assignment_errors(store, item, price_list_id)
    for name in ("customer_group_id", "channel_id"):
        if name not in body:
            errors[name] = f"{name} is required"
    if errors:
        raise ApiProblem(422, INVALID, errors)
    coll = store.collection(ASSIGNMENTS)
    pair = (body["customer_group_id"], body["channel_id"])
    existing = next(iter(coll.lookup("pair", pair)), None)
    doc = {
        "id": existing["id"] if existing else coll.new_id(),
        "price_list_id": price_list_id,
        "customer_group_id": body["customer_group_id"],
        "channel_id": body["channel_id"],
    }
    return data_response(coll.save(doc))


@api.route("DELETE", "/v3/pricelists/assignments", filters=ASSIGNMENT_DELETE_FILTERS)
async def delete_assignments(request: Request, store: Store) -> Response:
    ASSIGNMENT_DELETE_FILTERS.require(request, "filter", "give at least one query parameter")
    for doc in _matching_assignments(store, request, ASSIGNMENT_DELETE_FILTERS):
        store.collection(ASSIGNMENTS).delete(doc["id"])
    return empty(204)
