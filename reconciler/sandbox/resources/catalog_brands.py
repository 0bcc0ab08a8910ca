"""Catalog brands V3: ``/v3/catalog/brands`` (brands_catalog.v3.yml).

``name`` is unique case-insensitively (409); ``custom_url.url`` is unique across brands,
products and categories (409). ``DELETE /catalog/brands`` needs the ``name`` filter (422
without). Deleting a brand unlinks its products (``brand_id`` back to 0) and deletes its
metafields (:mod:`catalog_metafields`).

Library API: :func:`new_brand` (create, after :func:`check_new_brand`).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import (
    ApiProblem,
    data_response,
    empty,
    list_response,
    read_object,
)
from reconciler.sandbox.resources._support import named_exactly
from reconciler.sandbox.resources.catalog_common import (
    BRANDS,
    INVALID,
    PRODUCTS,
    SCOPE,
    Field,
    check_fields,
    check_url_free,
    conflict,
    delete_metafields,
    field_selector,
    free_url,
    known,
    not_found,
    select_fields,
    slug,
)
from reconciler.sandbox.resources.query_filters import (
    ID_FILTERS,
    PAGING,
    Filterable,
    FilterSet,
    Predicate,
)
from reconciler.sandbox.storage import Document, Store

api = Api(scope=SCOPE)

BRAND_FIELDS: dict[str, Field] = {
    "name": Field("str", min_len=1, max_len=255),
    "page_title": Field("str", max_len=255),
    "meta_keywords": Field("strs"),
    "meta_description": Field("str", max_len=65535),
    "search_keywords": Field("str", max_len=65535),
    "image_url": Field("str"),
    "custom_url": Field("obj"),
}


def _check_custom_url(store: Store, body: dict[str, Any], brand_id: int | None) -> None:
    custom = body.get("custom_url")
    if custom is None:
        return
    url = custom.get("url")
    if not isinstance(url, str) or not url.startswith("/") or len(url) > 1024:
        raise ApiProblem(422, INVALID, {"custom_url.url": "must be a path starting with '/'"})
    check_url_free(store, url, ("brand", brand_id), "custom_url.url")


def _check_name(store: Store, name: str | None, brand_id: int | None) -> None:
    if name is None:
        return
    for other in store.collection(BRANDS).lookup("name", name.lower()):
        if other["id"] != brand_id:
            raise conflict("name", f"The brand name {name!r} is already in use")


def check_new_brand(store: Store, body: dict[str, Any]) -> None:
    """Every check of ``POST /catalog/brands`` on ``body``; raises, changes nothing."""
    check_fields(body, BRAND_FIELDS, required=("name",), ignored=("id",))
    _check_name(store, body["name"], None)
    _check_custom_url(store, body, None)


def new_brand(store: Store, body: dict[str, Any]) -> Document:
    """Store a brand from a checked body (see :func:`check_new_brand`)."""
    coll = store.collection(BRANDS)
    doc: Document = {
        "id": coll.new_id(),
        "name": body["name"],
        "page_title": "",
        "meta_keywords": [],
        "meta_description": "",
        "search_keywords": "",
        "image_url": "",
    }
    doc.update({k: v for k, v in known(body, BRAND_FIELDS).items() if k != "custom_url"})
    custom = body.get("custom_url")
    doc["custom_url"] = (
        {"url": custom["url"], "is_customized": bool(custom.get("is_customized", True))}
        if custom
        else {"url": free_url(store, f"/{slug(body['name'])}/"), "is_customized": False}
    )
    return coll.save(doc)


def _get(store: Store, brand_id: int) -> Document:
    doc = store.collection(BRANDS).get(brand_id)
    if doc is None:
        raise not_found("brand", brand_id)
    return doc


def _delete(store: Store, brand_id: int) -> None:
    products = store.collection(PRODUCTS)
    for product in products.lookup("brand", brand_id):
        product["brand_id"] = 0
        products.save(product)
    delete_metafields(store, "brand", [brand_id])
    store.collection(BRANDS).delete(brand_id)


_FIELDS: dict[str, Filterable | Predicate] = {
    "id": Filterable("int"),
    "name": Filterable("str"),
    "page_title": Filterable("str"),
}
LIST_FILTERS = FilterSet(
    _FIELDS,
    filters=(*ID_FILTERS, "name", "name:like", "page_title"),
    options=(*PAGING, "include_fields", "exclude_fields", "sort", "direction"),
)
DELETE_FILTERS = FilterSet(_FIELDS, filters=("name", "page_title"), options=())


def _filtered(request: Request, store: Store, filters: FilterSet) -> list[Document]:
    coll = store.collection(BRANDS)
    params = request.query_params
    docs = named_exactly(coll, params["name"]) if params.get("name") else list(coll)
    docs = filters.apply(request, docs)
    if params.get("sort") == "name":
        docs = sorted(docs, key=lambda d: d["name"].lower())
    if params.get("direction") == "desc":
        docs = list(reversed(docs))
    return docs


@api.route("GET", "/v3/catalog/brands", filters=LIST_FILTERS)
async def list_brands(request: Request, store: Store) -> Response:
    include, exclude = field_selector(request)
    return list_response(
        _filtered(request, store, LIST_FILTERS),
        request,
        render=lambda d: select_fields(d, include, exclude),
    )


@api.route("POST", "/v3/catalog/brands")
async def post_brand(request: Request, store: Store) -> Response:
    body = await read_object(request)
    check_new_brand(store, body)
    return data_response(new_brand(store, body))


@api.route("DELETE", "/v3/catalog/brands", filters=DELETE_FILTERS)
async def delete_brands(request: Request, store: Store) -> Response:
    DELETE_FILTERS.require(request, "name", "give name or page_title to choose the brands")
    for doc in _filtered(request, store, DELETE_FILTERS):
        _delete(store, doc["id"])
    return empty(204)


@api.route("GET", "/v3/catalog/brands/{brand_id:int}")
async def get_brand(request: Request, store: Store) -> Response:
    include, exclude = field_selector(request)
    return data_response(
        select_fields(_get(store, request.path_params["brand_id"]), include, exclude)
    )


@api.route("PUT", "/v3/catalog/brands/{brand_id:int}")
async def put_brand(request: Request, store: Store) -> Response:
    doc = _get(store, request.path_params["brand_id"])
    body = await read_object(request)
    check_fields(body, BRAND_FIELDS, ignored=("id",))
    if body.get("name") == "":
        raise ApiProblem(422, INVALID, {"name": "name must not be empty"})
    _check_name(store, body.get("name"), doc["id"])
    _check_custom_url(store, body, doc["id"])
    fields = known(body, BRAND_FIELDS)
    custom = fields.pop("custom_url", None)
    doc.update(fields)
    if custom is not None:
        doc["custom_url"] = {
            "url": custom["url"],
            "is_customized": bool(custom.get("is_customized", True)),
        }
    return data_response(store.collection(BRANDS).save(doc))


@api.route("DELETE", "/v3/catalog/brands/{brand_id:int}")
async def delete_brand(request: Request, store: Store) -> Response:
    _delete(store, _get(store, request.path_params["brand_id"])["id"])
    return empty(204)
