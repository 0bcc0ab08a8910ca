"""Catalog products V3: ``/v3/catalog/products`` (products_catalog.v3.yml).

* ``GET`` lists with ``page``/``limit`` (at most 250; **10** when ``include`` has ``options``
  or ``modifiers``), every filter the spec lists (:data:`LIST_FILTERS`; ``sku`` is the
  product's own SKU), and ``include``/``include_fields``/``exclude_fields``.
* ``POST`` creates one product (see :func:`catalog_documents.create_product`).
* ``PUT`` updates at most 10 products, each with ``id`` (413 beyond).
* ``DELETE`` needs one of the spec's filters (:data:`DELETE_FILTERS`; ``id:in`` at most 250);
  every filter given narrows what is deleted.
"""

from __future__ import annotations

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
    paginate,
    read_array,
    read_object,
)
from reconciler.sandbox.resources._support import named_exactly
from reconciler.sandbox.resources.catalog_common import (
    INVALID,
    SCOPE,
    field_selector,
    int_query,
    select_fields,
)
from reconciler.sandbox.resources.catalog_documents import (
    INCLUDABLE,
    apply_update,
    create_product,
    delete_product,
    get_product,
    products,
    render_product,
    validate_update,
)
from reconciler.sandbox.resources.channels import DEFAULT_CHANNEL_ID
from reconciler.sandbox.resources.query_filters import (
    ID_FILTERS,
    PAGING,
    Filterable,
    FilterSet,
    Predicate,
)
from reconciler.sandbox.storage import Document, Store

api = Api(scope=SCOPE)

MAX_PUT = 10
MAX_DELETE = 250
LIMIT_WITH_OPTIONS = 10


def _includes(request: Request) -> set[str]:
    """The requested sub-resources; unknown names are ignored (the spec answers only 200)."""
    return includes(request) & INCLUDABLE


EMBEDDABLE = ("variants", "images", "custom_fields", "bulk_pricing_rules", "videos")


def _render(request: Request, body: dict[str, Any] | None = None) -> Any:
    """Renders products as the request asks (plus the sub-resources a write ``body`` had)."""
    wanted = _includes(request) | {name for name in EMBEDDABLE if body and name in body}
    include, exclude = field_selector(request)
    keep = wanted | {"primary_image"}

    def render(doc: Document) -> dict[str, Any]:
        return select_fields(render_product(doc, wanted), include, exclude, keep)

    return render


def _candidates(request: Request, store: Store, filters: FilterSet) -> list[Document]:
    """Products matching the request's ``filters``, in id order: the indexed ones narrow
    the candidates first, then every filter given is applied."""
    coll = products(store)
    pools: list[list[Document]] = []
    params = request.query_params
    ids = int_list_param(request, "id:in")
    single = int_query(request, "id")
    if single is not None:
        ids = [single] if ids is None else [i for i in ids if i == single]
    if ids is not None:
        pools.append([d for d in (coll.get(i) for i in sorted(set(ids))) if d is not None])
    skus = csv_param(request, "sku:in")
    if "sku" in params:
        skus = [*(skus or []), params["sku"]]
    if skus is not None:
        wanted = {s.lower() for s in skus}
        found = {
            d["id"]: d for s in wanted for d in coll.lookup("sku", s) if d["sku"].lower() in wanted
        }
        pools.append([found[k] for k in sorted(found)])
    if "name" in params:
        pools.append(named_exactly(coll, params["name"]))
    brand = int_query(request, "brand_id")
    if brand is not None:
        pools.append(coll.lookup("brand", brand))
    cats = int_list_param(request, "categories:in")
    single_cat = int_query(request, "categories")
    if single_cat is not None:
        cats = [*(cats or []), single_cat]
    if cats is not None:
        found = {d["id"]: d for c in cats for d in coll.lookup("category", c)}
        pools.append([found[k] for k in sorted(found)])
    if pools:
        pools.sort(key=len)
        docs = pools[0]
        for other in pools[1:]:
            keep = {d["id"] for d in other}
            docs = [d for d in docs if d["id"] in keep]
    else:
        docs = list(coll)
    return filters.apply(request, docs)


def _has_keyword(doc: Document, keyword: str) -> bool:
    needle = keyword.lower()
    return any(
        needle in doc[name].lower() for name in ("name", "sku", "description", "search_keywords")
    )


def _out_of_stock(doc: Document, wanted: bool) -> bool:
    """Tracked inventory at zero (an untracked product is never out of stock)."""
    empty_stock = doc["inventory_tracking"] != "none" and doc["inventory_level"] <= 0
    return empty_stock is wanted


def _inventory_low(doc: Document, wanted: bool) -> bool:
    """Tracked inventory at or under its warning level."""
    low = (
        doc["inventory_tracking"] != "none"
        and doc["inventory_level"] <= doc["inventory_warning_level"]
    )
    return low is wanted


_FILTERABLE: dict[str, Filterable | Predicate] = {
    "id": Filterable("int"),
    "name": Filterable("str"),
    "sku": Filterable("str", casefold=True),
    "mpn": Filterable("str"),
    "upc": Filterable("str"),
    "price": Filterable("num"),
    "weight": Filterable("num"),
    "condition": Filterable("str"),
    "brand_id": Filterable("int"),
    "categories": Filterable("int"),
    # Products live on the store's one channel (channel assignments are not modelled).
    "channel_id": Filterable("int", read=lambda _doc: [DEFAULT_CHANNEL_ID]),
    "date_modified": Filterable("date"),
    "date_last_imported": Filterable("date"),
    "is_visible": Filterable("bool"),
    "is_featured": Filterable("bool"),
    "is_free_shipping": Filterable("bool"),
    "inventory_level": Filterable("int"),
    "inventory_low": Predicate(_inventory_low, "bool"),
    "out_of_stock": Predicate(_out_of_stock, "bool"),
    "total_sold": Filterable("int"),
    "type": Filterable("str"),
    "availability": Filterable("str"),
    "keyword": Predicate(_has_keyword),
}

_RANGES = ("min", "max", "greater", "less")
LIST_FILTERS = FilterSet(
    _FILTERABLE,
    filters=(
        *ID_FILTERS,
        "channel_id:in",
        "categories",
        "categories:in",
        "name",
        "mpn",
        "upc",
        "price",
        "weight",
        "condition",
        "brand_id",
        "date_modified",
        "date_modified:min",
        "date_modified:max",
        "date_last_imported",
        "date_last_imported:not",
        "date_last_imported:min",
        "date_last_imported:max",
        "is_visible",
        "is_featured",
        "is_free_shipping",
        "inventory_level",
        "inventory_level:in",
        "inventory_level:not_in",
        *(f"inventory_level:{op}" for op in _RANGES),
        "inventory_low",
        "out_of_stock",
        "total_sold",
        "type",
        "keyword",
        "availability",
        "sku",
        "sku:in",
    ),
    options=(
        *PAGING,
        "include",
        "include_fields",
        "exclude_fields",
        "direction",
        "sort",
        "keyword_context",
    ),
)
DELETE_FILTERS = FilterSet(
    _FILTERABLE,
    filters=(
        "name",
        "sku",
        "price",
        "weight",
        "condition",
        "brand_id",
        "date_modified",
        "date_last_imported",
        "is_visible",
        "is_featured",
        "id:in",
        "inventory_level",
        "total_sold",
        "type",
        "categories",
        "keyword",
    ),
    options=(),
)


_SORTS = {
    "id": lambda d: d["id"],
    "name": lambda d: d["name"].lower(),
    "sku": lambda d: d["sku"].lower(),
    "price": lambda d: d["price"],
    "date_modified": lambda d: d["date_modified"],
    "inventory_level": lambda d: d["inventory_level"],
    "is_visible": lambda d: d["is_visible"],
    "total_sold": lambda d: d["total_sold"],
    "calculated_price": lambda d: d["calculated_price"],
}


@api.route("GET", "/v3/catalog/products", filters=LIST_FILTERS)
async def list_products(request: Request, store: Store) -> Response:
    docs = _candidates(request, store, LIST_FILTERS)
    sort = request.query_params.get("sort")
    if sort:
        if sort not in _SORTS:
            raise ApiProblem(422, "Invalid query parameter", {"sort": f"cannot sort by {sort!r}"})
        docs = sorted(docs, key=_SORTS[sort])
    if request.query_params.get("direction") == "desc":
        docs = list(reversed(docs))
    wanted = _includes(request)
    max_limit = LIMIT_WITH_OPTIONS if wanted & {"options", "modifiers"} else 250
    chunk, meta = paginate(docs, request, max_limit=max_limit)
    render = _render(request)
    return json_response({"data": [render(d) for d in chunk], "meta": meta})


@api.route("POST", "/v3/catalog/products")
async def post_product(request: Request, store: Store) -> Response:
    body = await read_object(request)
    doc = create_product(store, body)
    wanted: set[str] = {
        name
        for name in ("variants", "images", "custom_fields", "bulk_pricing_rules", "videos")
        if name in body
    }
    if doc["options"]:
        wanted.add("options")
    return data_response(render_product(doc, wanted))


@api.route("PUT", "/v3/catalog/products")
async def put_products(request: Request, store: Store) -> Response:
    items = await read_array(request)
    check_batch_size(len(items), MAX_PUT)
    claimed: dict[str, set[str]] = {"name": set(), "sku": set()}
    targets: list[tuple[Document, list[Any]]] = []
    seen: set[int] = set()
    for i, item in enumerate(items):
        product_id = item.get("id")
        if isinstance(product_id, bool) or not isinstance(product_id, int):
            raise ApiProblem(422, INVALID, {f"[{i}].id": "each product needs its integer id"})
        if product_id in seen:
            raise ApiProblem(422, INVALID, {f"[{i}].id": f"product {product_id} appears twice"})
        seen.add(product_id)
        product = get_product(store, product_id)
        pending = validate_update(store, product, item, claimed, prefix=f"[{i}].")
        targets.append((product, pending))
    updated = [
        apply_update(store, product, item, pending)
        for (product, pending), item in zip(targets, items, strict=True)
    ]
    return json_response(
        {
            "data": [_render(request, item)(d) for d, item in zip(updated, items, strict=True)],
            "meta": {},
        }
    )


@api.route("DELETE", "/v3/catalog/products", filters=DELETE_FILTERS)
async def delete_products(request: Request, store: Store) -> Response:
    DELETE_FILTERS.require(
        request, "id:in", "give a filter (e.g. id:in=1,2,3) to choose the products to delete"
    )
    ids = int_list_param(request, "id:in")
    if ids is not None and len(ids) > MAX_DELETE:
        raise ApiProblem(
            413,
            f"The request payload is too large. The maximum items allowed in id:in is {MAX_DELETE}",
        )
    docs = _candidates(request, store, DELETE_FILTERS)
    for doc in docs:
        delete_product(store, doc["id"])
    return empty(204)


@api.route("GET", "/v3/catalog/products/{product_id:int}")
async def get_one(request: Request, store: Store) -> Response:
    doc = get_product(store, request.path_params["product_id"])
    return data_response(_render(request)(doc))


@api.route("PUT", "/v3/catalog/products/{product_id:int}")
async def put_one(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    body = await read_object(request)
    pending = validate_update(store, product, body, {"name": set(), "sku": set()})
    return data_response(_render(request, body)(apply_update(store, product, body, pending)))


@api.route("DELETE", "/v3/catalog/products/{product_id:int}")
async def delete_one(request: Request, store: Store) -> Response:
    delete_product(store, request.path_params["product_id"])
    return empty(204)
