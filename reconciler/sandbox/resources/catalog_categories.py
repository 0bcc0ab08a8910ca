"""Legacy categories V3: ``/v3/catalog/categories`` (categories_catalog.v3.yml).

The same category documents as the tree endpoints (:mod:`catalog_trees`), seen through the
default tree of channel 1, in the legacy shape (``id``, ``parent_id``, ``custom_url``). POST
needs ``parent_id`` (0 = top level) and ``name``; a duplicate sibling name or URL is a 409.
``DELETE /catalog/categories`` needs a filter (422 without one) and answers
422 when a matching category still has products, as BigCommerce does. A deleted category
takes its descendants and their metafields with it (:func:`catalog_trees.delete_categories`).
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
from reconciler.sandbox.resources._support import like
from reconciler.sandbox.resources.catalog_common import (
    INVALID,
    PRODUCTS,
    SCOPE,
    Field,
    field_errors,
    field_selector,
    not_found,
    select_fields,
)
from reconciler.sandbox.resources.catalog_trees import (
    CATEGORY_FIELDS,
    apply_update,
    categories,
    check_new,
    check_update,
    delete_categories,
    ensure_default_tree,
    legacy_view,
    new_category,
    subtree,
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

DEFAULT_TREE = 1
LEGACY_FIELDS: dict[str, Field] = {
    **{k: v for k, v in CATEGORY_FIELDS.items() if k not in ("url", "tree_id")},
    "layout_file": Field("str", max_len=500),
    "custom_url": Field("obj"),
}


def _as_tree_item(body: dict[str, Any]) -> dict[str, Any]:
    """A legacy body in the tree endpoints' shape (``custom_url`` → ``url``)."""
    item = {k: v for k, v in body.items() if k not in ("custom_url", "id")}
    custom = body.get("custom_url")
    if isinstance(custom, dict):
        item["url"] = {
            "path": custom.get("url"),
            "is_customized": custom.get("is_customized", True),
        }
    return item


def _raise(problems: dict[str, str]) -> None:
    """The legacy endpoints' error for a tree check: 409 for a taken name or URL, else 422."""
    if not problems:
        return
    renamed = {("custom_url" if k == "url" else k): v for k, v in problems.items()}
    taken = any("already named" in m or "in use" in m for m in problems.values())
    if taken:
        raise ApiProblem(409, "The request conflicts with existing data.", renamed)
    raise ApiProblem(422, INVALID, renamed)


def _get(store: Store, category_id: int) -> Document:
    doc = categories(store).get(category_id)
    if doc is None or doc["tree_id"] != DEFAULT_TREE:
        raise not_found("category", category_id)
    return doc


def _check_body(body: dict[str, Any]) -> None:
    errors = field_errors(body, LEGACY_FIELDS, ignored=("id",))
    if errors:
        raise ApiProblem(422, INVALID, errors)


_RANGES = ("in", "min", "max", "greater", "less")
_FIELDS: dict[str, Filterable | Predicate] = {
    "id": Filterable("int"),
    "parent_id": Filterable("int"),
    "name": Filterable("str"),
    "page_title": Filterable("str"),
    "is_visible": Filterable("bool"),
    # "Filter items by keywords found in the name" (a substring, as :like).
    "keyword": Predicate(lambda doc, raw: like(raw, doc["name"])),
}
_FILTERS = (
    *ID_FILTERS,
    "name",
    "name:like",
    "parent_id",
    *(f"parent_id:{op}" for op in _RANGES),
    "page_title",
    "page_title:like",
    "keyword",
    "is_visible",
)
LIST_FILTERS = FilterSet(
    _FIELDS, filters=_FILTERS, options=(*PAGING, "include_fields", "exclude_fields", "sort")
)
DELETE_FILTERS = FilterSet(_FIELDS, filters=_FILTERS, options=())


def _filtered(request: Request, store: Store, filters: FilterSet) -> list[Document]:
    docs = filters.apply(request, categories(store).lookup("tree", DEFAULT_TREE))
    sort = request.query_params.get("sort")
    if sort in ("name", "id", "parent_id", "sort_order"):
        docs = sorted(docs, key=lambda d: d[sort].lower() if sort == "name" else d[sort])
    return docs


@api.route("GET", "/v3/catalog/categories", filters=LIST_FILTERS)
async def list_categories(request: Request, store: Store) -> Response:
    ensure_default_tree(store)
    include, exclude = field_selector(request)
    return list_response(
        _filtered(request, store, LIST_FILTERS),
        request,
        render=lambda d: select_fields(legacy_view(d), include, exclude),
    )


@api.route("POST", "/v3/catalog/categories")
async def post_category(request: Request, store: Store) -> Response:
    ensure_default_tree(store)
    body = await read_object(request)
    _check_body(body)
    if body.get("parent_id") is None or not body.get("name"):
        missing = [n for n in ("parent_id", "name") if body.get(n) in (None, "")]
        raise ApiProblem(422, INVALID, {n: f"{n} is required" for n in missing})
    item = _as_tree_item(body)
    if not item.get("parent_id"):
        item["tree_id"] = DEFAULT_TREE
    elif (parent := categories(store).get(item["parent_id"])) is None or parent[
        "tree_id"
    ] != DEFAULT_TREE:
        raise ApiProblem(
            422, INVALID, {"parent_id": f"category {item['parent_id']} does not exist"}
        )
    problems, tree_id, parent_id = check_new(store, item, set(), set())
    _raise(problems)
    return data_response(legacy_view(new_category(store, item, tree_id, parent_id)))


@api.route("GET", "/v3/catalog/categories/{category_id:int}")
async def get_category(request: Request, store: Store) -> Response:
    ensure_default_tree(store)
    include, exclude = field_selector(request)
    return data_response(
        select_fields(
            legacy_view(_get(store, request.path_params["category_id"])), include, exclude
        )
    )


@api.route("PUT", "/v3/catalog/categories/{category_id:int}")
async def put_category(request: Request, store: Store) -> Response:
    doc = _get(store, request.path_params["category_id"])
    body = await read_object(request)
    _check_body(body)
    item = _as_tree_item(body)
    _raise(check_update(store, doc, item, set(), set()))
    return data_response(legacy_view(apply_update(store, doc, item)))


def _has_products(store: Store, docs: list[Document]) -> Document | None:
    products = store.collection(PRODUCTS)
    for root in docs:
        for node in subtree(store, root["id"]):
            if products.lookup("category", node["id"]):
                return node
    return None


@api.route("DELETE", "/v3/catalog/categories/{category_id:int}")
async def delete_category(request: Request, store: Store) -> Response:
    doc = categories(store).get(request.path_params["category_id"])
    if doc is not None and doc["tree_id"] == DEFAULT_TREE:
        busy = _has_products(store, [doc])
        if busy is not None:
            raise ApiProblem(422, INVALID, {"id": f"category {busy['id']} still has products"})
        delete_categories(store, [doc])
    return empty(204)


@api.route("DELETE", "/v3/catalog/categories", filters=DELETE_FILTERS)
async def delete_filtered(request: Request, store: Store) -> Response:
    DELETE_FILTERS.require(request, "id:in", "give a filter (e.g. id:in=1,2) to delete")
    docs = _filtered(request, store, DELETE_FILTERS)
    busy = _has_products(store, docs)
    if busy is not None:
        raise ApiProblem(
            422, INVALID, {"id": f"category {busy['id']} still has products; unassign them first"}
        )
    delete_categories(store, docs)
    return empty(204)
