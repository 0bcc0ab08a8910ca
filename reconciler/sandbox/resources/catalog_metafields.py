"""Product metafields (products_catalog.v3.yml).

* ``/v3/catalog/products/{id}/metafields[/{metafield_id}]``: list (``key``, ``namespace``
  filters), create, get, update, delete;
* ``/v3/catalog/products/metafields``: batch ``GET``/``POST``/``PUT``/``DELETE`` answering
  ``{data, errors: [{status, title, type, errors}], meta: {total, success, failed}}`` (200,
  or 422 when some item failed; the valid items are still written, as the spec says).

A metafield needs ``namespace``, ``key`` (1-64 characters), ``value`` and
``permission_set``; (namespace, key) is unique per product and API account
(``owner_client_id``): 409 on the single endpoint, a per-item error in batches.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import (
    ERROR_TYPE,
    ApiProblem,
    csv_param,
    data_response,
    empty,
    int_list_param,
    json_response,
    list_response,
    now_iso,
    read_array,
    read_json,
    read_object,
)
from reconciler.sandbox.resources.catalog_common import (
    INVALID,
    METAFIELDS,
    PRODUCTS,
    SCOPE,
    Field,
    conflict,
    field_errors,
    not_found,
)
from reconciler.sandbox.resources.catalog_documents import get_product
from reconciler.sandbox.storage import Document, Store

api = Api(scope=SCOPE)

PERMISSIONS = ("app_only", "read", "write", "read_and_sf_access", "write_and_sf_access")
METAFIELD_FIELDS: dict[str, Field] = {
    "key": Field("str", min_len=1, max_len=64),
    "value": Field("str", min_len=1, max_len=65535),
    "namespace": Field("str", min_len=1, max_len=64),
    "permission_set": Field("enum", choices=PERMISSIONS),
    "description": Field("str", max_len=255),
}
READ_ONLY = ("id", "resource_type", "date_created", "date_modified", "owner_client_id")
REQUIRED = ("key", "value", "namespace", "permission_set")
BASE = "/v3/catalog/products/{product_id:int}/metafields"


def _client(request: Request) -> str:
    return str(request.scope.get("sandbox.client_id", "sandbox-client"))


def _clash(
    store: Store, product_id: int, namespace: str, key: str, client: str, exclude: int | None
) -> bool:
    return any(
        m["namespace"] == namespace
        and m["key"] == key
        and m["owner_client_id"] == client
        and m["id"] != exclude
        for m in store.collection(METAFIELDS).lookup("resource", ("product", product_id))
    )


def _new(store: Store, product_id: int, body: dict[str, Any], client: str) -> Document:
    now = now_iso()
    coll = store.collection(METAFIELDS)
    return coll.save(
        {
            "id": coll.new_id(),
            "key": body["key"],
            "value": body["value"],
            "namespace": body["namespace"],
            "permission_set": body["permission_set"],
            "description": body.get("description", ""),
            "resource_type": "product",
            "resource_id": product_id,
            "date_created": now,
            "date_modified": now,
            "owner_client_id": client,
        }
    )


def _update(store: Store, doc: Document, body: dict[str, Any]) -> Document:
    doc.update({k: v for k, v in body.items() if k in METAFIELD_FIELDS})
    doc["date_modified"] = now_iso()
    return store.collection(METAFIELDS).save(doc)


def _of_product(store: Store, product_id: int, metafield_id: int) -> Document:
    doc = store.collection(METAFIELDS).get(metafield_id)
    if doc is None or doc["resource_type"] != "product" or doc["resource_id"] != product_id:
        raise not_found("metafield", metafield_id)
    return doc


def _filter(request: Request, docs: list[Document]) -> list[Document]:
    params = request.query_params
    keys = csv_param(request, "key:in")
    if "key" in params:
        keys = [*(keys or []), params["key"]]
    spaces = csv_param(request, "namespace:in")
    if "namespace" in params:
        spaces = [*(spaces or []), params["namespace"]]
    return [
        d
        for d in docs
        if (keys is None or d["key"] in keys) and (spaces is None or d["namespace"] in spaces)
    ]


@api.route("GET", BASE)
async def list_metafields(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    docs = store.collection(METAFIELDS).lookup("resource", ("product", product["id"]))
    return list_response(_filter(request, docs), request)


@api.route("POST", BASE)
async def post_metafield(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    body = await read_object(request)
    errors = field_errors(
        body, METAFIELD_FIELDS, required=REQUIRED, ignored=(*READ_ONLY, "resource_id")
    )
    if errors:
        raise ApiProblem(422, INVALID, errors)
    client = _client(request)
    if _clash(store, product["id"], body["namespace"], body["key"], client, None):
        raise conflict("key", f"metafield {body['namespace']}.{body['key']} already exists")
    return data_response(_new(store, product["id"], body, client))


@api.route("GET", BASE + "/{metafield_id:int}")
async def get_metafield(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    return data_response(_of_product(store, product["id"], request.path_params["metafield_id"]))


@api.route("PUT", BASE + "/{metafield_id:int}")
async def put_metafield(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    doc = _of_product(store, product["id"], request.path_params["metafield_id"])
    body = await read_object(request)
    errors = field_errors(body, METAFIELD_FIELDS, ignored=(*READ_ONLY, "resource_id"))
    if errors:
        # The spec declares 400 (not 422) for an invalid update of one metafield.
        raise ApiProblem(400, "Input is invalid", errors)
    namespace = str(body.get("namespace", doc["namespace"]))
    key = str(body.get("key", doc["key"]))
    if _clash(store, product["id"], namespace, key, doc["owner_client_id"], doc["id"]):
        raise ApiProblem(400, "Input is invalid", {"key": f"{namespace}.{key} already exists"})
    return data_response(_update(store, doc, body))


@api.route("DELETE", BASE + "/{metafield_id:int}")
async def delete_metafield(request: Request, store: Store) -> Response:
    product = get_product(store, request.path_params["product_id"])
    doc = _of_product(store, product["id"], request.path_params["metafield_id"])
    store.collection(METAFIELDS).delete(doc["id"])
    return empty(204)


# -- batch ----------------------------------------------------------------------------------------
def _item_error(status: int, title: str, errors: dict[str, str]) -> dict[str, Any]:
    return {"status": status, "title": title, "type": ERROR_TYPE, "errors": errors}


def _batch_response(data: list[Document], errors: list[dict[str, Any]], total: int) -> Response:
    meta = {"total": total, "success": len(data), "failed": total - len(data)}
    return json_response({"data": data, "errors": errors, "meta": meta}, 422 if errors else 200)


@api.route("GET", "/v3/catalog/products/metafields")
async def list_all(request: Request, store: Store) -> Response:
    coll = store.collection(METAFIELDS)
    ids = int_list_param(request, "resource_id:in")
    if ids is not None:
        docs = [d for i in sorted(set(ids)) for d in coll.lookup("resource", ("product", i))]
    else:
        docs = [d for d in coll if d["resource_type"] == "product"]
    return list_response(_filter(request, docs), request)


@api.route("POST", "/v3/catalog/products/metafields")
async def post_batch(request: Request, store: Store) -> Response:
    items = await read_array(request)
    client = _client(request)
    created: list[Document] = []
    errors: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        problems = field_errors(
            item,
            {**METAFIELD_FIELDS, "resource_id": Field("int", minimum=1)},
            required=(*REQUIRED, "resource_id"),
            ignored=READ_ONLY,
            prefix=f"{i}.",
        )
        if problems:
            errors.append(_item_error(422, INVALID, problems))
            continue
        product_id = item["resource_id"]
        if store.collection(PRODUCTS).get(product_id) is None:
            errors.append(
                _item_error(404, "Not found", {f"{i}.resource_id": f"no product {product_id}"})
            )
            continue
        if _clash(store, product_id, item["namespace"], item["key"], client, None):
            message = f"metafield {item['namespace']}.{item['key']} already exists"
            errors.append(_item_error(409, "Conflict", {f"{i}.key": message}))
            continue
        created.append(_new(store, product_id, item, client))
    return _batch_response(created, errors, len(items))


@api.route("PUT", "/v3/catalog/products/metafields")
async def put_batch(request: Request, store: Store) -> Response:
    items = await read_array(request)
    coll = store.collection(METAFIELDS)
    updated: list[Document] = []
    errors: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        problems = field_errors(
            item,
            {**METAFIELD_FIELDS, "id": Field("int", minimum=1)},
            required=("id",),
            ignored=(*READ_ONLY[1:], "resource_id"),
            prefix=f"{i}.",
        )
        doc = coll.get(item["id"]) if not problems else None
        if not problems and (doc is None or doc["resource_type"] != "product"):
            problems = {f"{i}.id": f"no product metafield {item['id']}"}
        if problems or doc is None:
            errors.append(_item_error(422, INVALID, problems))
            continue
        namespace, key = (
            str(item.get("namespace", doc["namespace"])),
            str(item.get("key", doc["key"])),
        )
        if _clash(store, doc["resource_id"], namespace, key, doc["owner_client_id"], doc["id"]):
            errors.append(
                _item_error(409, "Conflict", {f"{i}.key": f"{namespace}.{key} already exists"})
            )
            continue
        updated.append(_update(store, doc, item))
    return _batch_response(updated, errors, len(items))


@api.route("DELETE", "/v3/catalog/products/metafields")
async def delete_batch(request: Request, store: Store) -> Response:
    ids = await read_json(request)
    if not isinstance(ids, list) or any(isinstance(i, bool) or not isinstance(i, int) for i in ids):
        raise ApiProblem(422, INVALID, {"body": "expected an array of metafield ids"})
    coll = store.collection(METAFIELDS)
    errors: list[dict[str, Any]] = []
    deleted = 0
    for i, metafield_id in enumerate(ids):
        doc = coll.get(metafield_id)
        if doc is None or doc["resource_type"] != "product":
            errors.append(
                _item_error(404, "Not found", {f"{i}": f"no product metafield {metafield_id}"})
            )
            continue
        coll.delete(metafield_id)
        deleted += 1
    meta = {"total": len(ids), "success": deleted, "failed": len(ids) - deleted}
    return json_response({"data": [], "errors": errors, "meta": meta}, 422 if errors else 200)
