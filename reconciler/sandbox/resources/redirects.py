"""Redirects V3 (redirects.v3.yml): ``GET/PUT/DELETE /v3/storefront/redirects``.

* PUT upserts an array keyed on (``from_path``, ``site_id``): "If there's a conflict on the
  from_path and site_id, the redirect will be overwritten with new data" — answered 201;
* ``to`` is ``{type: product|brand|category|page|post|url, entity_id | url}``;
* GET filters ``site_id``, ``id:in``, ``id:min``, ``id:max``, ``keyword`` (matches "only from
  the beginning of a URL path"), sorts by ``sort``/``direction`` and computes ``to_url``
  (the full destination URL) with ``include=to_url``;
* DELETE takes ``id:in`` or ``site_id``.

The whole PUT is validated before anything is written.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import (
    ApiProblem,
    empty,
    includes,
    int_list_param,
    int_param,
    json_response,
    paginate,
    read_array,
)
from reconciler.sandbox.resources._support import check_enum, sort_docs
from reconciler.sandbox.resources.query_filters import (
    PAGING,
    Filterable,
    FilterSet,
    Predicate,
)
from reconciler.sandbox.resources.sites import site, site_url
from reconciler.sandbox.storage import Document, Store, define_collection, define_index

api = Api(scope="store_v2_content")

COLLECTION = "redirects"
TARGET_TYPES = ("product", "brand", "category", "page", "post", "url")
SORT_FIELDS = ("from_path", "type", "site_id", "id")
URL_MAX = 2048

define_collection(COLLECTION)
define_index(COLLECTION, "key", lambda doc: [(doc["site_id"], doc["from_path"].lower())])
define_index(COLLECTION, "site", lambda doc: [doc["site_id"]])


def _validate(index: int, item: dict[str, Any], store: Store) -> dict[str, str]:
    where = f"[{index}]."
    errors: dict[str, str] = {}
    unknown = sorted(set(item) - {"from_path", "site_id", "to"})
    for name in unknown:
        errors[f"{where}{name}"] = "is not a valid field of a redirect"
    from_path = item.get("from_path")
    if not isinstance(from_path, str) or not from_path:
        errors[f"{where}from_path"] = "from_path is required and must be a non-empty string"
    elif not from_path.startswith("/"):
        errors[f"{where}from_path"] = "from_path must be a path starting with /"
    site_id = item.get("site_id")
    if not isinstance(site_id, int) or isinstance(site_id, bool):
        errors[f"{where}site_id"] = "site_id is required and must be an integer"
    elif site(store, site_id) is None:
        errors[f"{where}site_id"] = f"site {site_id} does not exist"
    to = item.get("to")
    if not isinstance(to, dict):
        errors[f"{where}to"] = "to is required and must be an object"
        return errors
    errors.update(check_enum(to, {"type": TARGET_TYPES}, prefix=f"{where}to."))
    kind = to.get("type")
    if kind is None:
        errors[f"{where}to.type"] = "to.type is required"
    elif kind == "url":
        url = to.get("url")
        if not isinstance(url, str) or not url:
            errors[f"{where}to.url"] = "to.url is required when to.type is url"
        elif len(url) > URL_MAX:
            errors[f"{where}to.url"] = f"to.url must be at most {URL_MAX} characters"
    elif kind in TARGET_TYPES:
        entity = to.get("entity_id")
        if not isinstance(entity, int) or isinstance(entity, bool) or entity < 1:
            errors[f"{where}to.entity_id"] = f"to.entity_id is required when to.type is {kind}"
    return errors


def _target(to: dict[str, Any]) -> dict[str, Any]:
    if to["type"] == "url":
        return {"type": "url", "url": to["url"]}
    return {"type": to["type"], "entity_id": to["entity_id"]}


def _entity_path(store: Store, kind: str, entity_id: int) -> str:
    """The storefront path of a product, brand, category, page or blog post."""
    if kind == "page":
        page = store.collection("pages").get(entity_id)
        if page is not None and page.get("url"):
            return str(page["url"])
    # The catalogue's collections (see catalog_common), read only.
    collection = {
        "product": "catalog_products",
        "brand": "catalog_brands",
        "category": "catalog_categories",
    }.get(kind)
    if collection is not None:
        doc = store.collection(collection).get(entity_id)
        if doc is not None:
            custom = doc.get("custom_url") or {}
            path = custom.get("url") or (doc.get("url") or {}).get("path")
            if path:
                return str(path)
    return f"/{kind}/{entity_id}/"


def _to_url(store: Store, doc: Document) -> str:
    to = doc["to"]
    base = site_url(store, doc["site_id"])
    if to["type"] == "url":
        url = str(to["url"])
        return url if "://" in url else base + (url if url.startswith("/") else "/" + url)
    return base + _entity_path(store, to["type"], to["entity_id"])


def _render(store: Store, doc: Document, with_url: bool) -> dict[str, Any]:
    out = {"id": doc["id"], "site_id": doc["site_id"], "from_path": doc["from_path"]}
    out["to"] = dict(doc["to"])
    if with_url:
        out["to_url"] = _to_url(store, doc)
    return out


def _from_path_starts(doc: Document, keyword: str) -> bool:
    """``keyword`` matches "only from the beginning of the from_path" (a leading ``/``
    optional)."""
    prefix = keyword.lower() if keyword.startswith("/") else "/" + keyword.lower()
    return bool(doc["from_path"].lower().startswith(prefix))


LIST_FILTERS = FilterSet(
    {
        "id": Filterable("int"),
        "site_id": Filterable("int"),
        "keyword": Predicate(_from_path_starts),
    },
    filters=("site_id", "id:in", "id:min", "id:max", "keyword"),
    options=(*PAGING, "sort", "direction", "include"),
)


@api.route("GET", "/v3/storefront/redirects", filters=LIST_FILTERS)
async def list_redirects(request: Request, store: Store) -> Response:
    coll = store.collection(COLLECTION)
    params = request.query_params
    ids = int_list_param(request, "id:in")
    site_id = int_param(request, "site_id", 0) if "site_id" in params else None
    if ids is not None:
        docs = [d for d in (coll.get(i) for i in sorted(set(ids))) if d is not None]
    elif site_id is not None:
        docs = coll.lookup("site", site_id)
    else:
        docs = list(coll)
    docs = LIST_FILTERS.apply(request, docs)
    sort = params.get("sort")
    if sort is not None:
        if sort not in SORT_FIELDS:
            raise ApiProblem(422, "Invalid query parameter", {"sort": f"one of {SORT_FIELDS}"})
        direction = params.get("direction")
        docs = sort_docs(
            [{**d, "type": d["to"]["type"]} if sort == "type" else d for d in docs],
            sort,
            direction,
            default=lambda d: d["id"],
        )
    elif params.get("direction", "asc").lower() == "desc":
        docs = list(reversed(docs))
    with_url = "to_url" in includes(request)
    chunk, meta = paginate(docs, request)
    return json_response({"data": [_render(store, d, with_url) for d in chunk], "meta": meta})


@api.route("PUT", "/v3/storefront/redirects")
async def upsert_redirects(request: Request, store: Store) -> Response:
    items = await read_array(request)
    errors: dict[str, str] = {}
    for index, item in enumerate(items):
        errors.update(_validate(index, item, store))
    if errors:
        raise ApiProblem(422, "JSON data is missing or invalid", errors)
    coll = store.collection(COLLECTION)
    saved: dict[tuple[int, str], Document] = {}
    for item in items:
        key = (item["site_id"], item["from_path"].lower())
        existing = saved.get(key) or next(iter(coll.lookup("key", key)), None)
        doc = {
            "id": existing["id"] if existing else coll.new_id(),
            "site_id": item["site_id"],
            "from_path": item["from_path"],
            "to": _target(item["to"]),
        }
        saved[key] = coll.save(doc)
    data = [_render(store, d, True) for d in saved.values()]
    total = len(data)
    meta = {
        "pagination": {
            "total": total,
            "count": total,
            "per_page": total,
            "current_page": 1,
            "total_pages": 1 if total else 0,
            "links": {"current": "?page=1"},
        }
    }
    return json_response({"data": data, "meta": meta}, 201)


@api.route("DELETE", "/v3/storefront/redirects")
async def delete_redirects(request: Request, store: Store) -> Response:
    ids = int_list_param(request, "id:in")
    params = request.query_params
    site_id = int_param(request, "site_id", 0) if "site_id" in params else None
    if ids is None and site_id is None:
        raise ApiProblem(
            422, "JSON data is missing or invalid", {"id:in": "id:in or site_id is required"}
        )
    coll = store.collection(COLLECTION)
    doomed = [i for i in ids if i in coll] if ids is not None else []
    if site_id is not None:
        site_ids = {d["id"] for d in coll.lookup("site", site_id)}
        doomed = [i for i in doomed if i in site_ids] if ids is not None else sorted(site_ids)
    for doc_id in doomed:
        coll.delete(doc_id)
    return empty(204)
