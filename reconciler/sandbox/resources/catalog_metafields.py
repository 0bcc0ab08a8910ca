"""Product, brand and category metafields (products_catalog.v3.yml, brands_catalog.v3.yml,
categories_catalog.v3.yml).

One implementation serves the three owners (:class:`Owner`: the metafields'
``resource_type``, the owners' collection, the ``{id}`` path parameter); for each of
``products``, ``brands`` and ``categories``:

* ``/v3/catalog/{owners}/{id}/metafields[/{metafield_id}]``: list, create, get, update,
  delete; 404 when the owner does not exist. The list filters by ``key``, ``namespace``
  (and their ``:in`` forms), ``id``, ``id:in``, ``id:not_in``, ``id:min``, ``id:max``,
  ``id:greater``, ``id:less``; the list and the single ``GET`` take ``include_fields``/
  ``exclude_fields``;
* ``/v3/catalog/{owners}/metafields``: batch ``GET`` (the same ``key``/``namespace``
  filters, ``direction``, ``date_created``/``date_modified`` ``:min``/``:max``,
  ``page``/``limit``, and ``resource_id:in``, which the three specs define only for the
  per-product list but which filters here as for products) and ``POST``/``PUT``/``DELETE``
  answering ``{data, errors: [{status, title, type, errors}], meta: {total, success,
  failed}}``: 200, or 422 when some item failed (the valid items are still written, as
  the spec says). A batch ``DELETE`` answers the deleted ids as ``data``. Exception: for
  the brands' batch ``PUT`` brands_catalog.v3.yml declares the 422 as a plain error
  ``{status, title, type, errors}``, so there any failed item rejects the whole batch and
  nothing is written (:attr:`Owner.partial_updates`).

A metafield needs ``namespace``, ``key`` (1-64 characters), ``value`` and
``permission_set``; (namespace, key) is unique per owner and API account
(``owner_client_id``): 409 on the single create, 400 on the single update (the spec
declares no 409 there), a per-item 409 in batches. Metafield ids are shared by all owners;
an owner's endpoints see only their own metafields. Deleting a product, brand or category
deletes its metafields (:func:`catalog_common.delete_metafields`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
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
    BRANDS,
    CATEGORIES,
    INVALID,
    METAFIELDS,
    PRODUCTS,
    SCOPE,
    Field,
    conflict,
    field_errors,
    field_selector,
    int_query,
    not_found,
    parse_when,
    select_fields,
    stamp,
)
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


@dataclass(frozen=True)
class Owner:
    """A kind of catalogue entity that has metafields."""

    resource_type: str
    """The metafields' ``resource_type`` (metafield_Full's enum) and the 404 wording."""
    collection: str
    """The collection holding the owners."""
    plural: str
    """The path segment: ``/v3/catalog/{plural}``."""
    id_param: str
    """The owner's path parameter: ``/v3/catalog/{plural}/{id_param}/metafields``."""
    partial_updates: bool = True
    """Whether a batch ``PUT`` with failed items writes the others and answers 422 with the
    partial-success body; else any failed item is a plain 422 error and nothing is written
    (brands_catalog.v3.yml declares no partial-success body for it)."""

    @property
    def base(self) -> str:
        return f"/v3/catalog/{self.plural}/{{{self.id_param}:int}}/metafields"

    @property
    def batch(self) -> str:
        return f"/v3/catalog/{self.plural}/metafields"

    def get(self, store: Store, owner_id: int) -> Document:
        """The owner, or a 404."""
        doc = store.collection(self.collection).get(owner_id)
        if doc is None:
            raise not_found(self.resource_type, owner_id)
        return doc

    def owns(self, doc: Document | None) -> bool:
        return doc is not None and doc["resource_type"] == self.resource_type


OWNERS = (
    Owner("product", PRODUCTS, "products", "product_id"),
    Owner("brand", BRANDS, "brands", "brand_id", partial_updates=False),
    Owner("category", CATEGORIES, "categories", "category_id"),
)


def _client(request: Request) -> str:
    return str(request.scope.get("sandbox.client_id", "sandbox-client"))


def _of(store: Store, owner: Owner, owner_id: int) -> list[Document]:
    return store.collection(METAFIELDS).lookup("resource", (owner.resource_type, owner_id))


def _clash(
    store: Store,
    owner: Owner,
    owner_id: int,
    namespace: str,
    key: str,
    client: str,
    exclude: int | None,
    pending: Mapping[int, tuple[str, str]] | None = None,
) -> bool:
    """Whether another metafield of the owner and account has (namespace, key); ``pending``
    holds the (namespace, key) of metafields a batch is about to change."""
    for m in _of(store, owner, owner_id):
        namespace_key = (pending or {}).get(m["id"], (m["namespace"], m["key"]))
        if (
            m["owner_client_id"] == client
            and m["id"] != exclude
            and namespace_key
            == (
                namespace,
                key,
            )
        ):
            return True
    return False


def _new(store: Store, owner: Owner, owner_id: int, body: dict[str, Any], client: str) -> Document:
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
            "resource_type": owner.resource_type,
            "resource_id": owner_id,
            "date_created": now,
            "date_modified": now,
            "owner_client_id": client,
        }
    )


def _update(store: Store, doc: Document, body: dict[str, Any]) -> Document:
    doc.update({k: v for k, v in body.items() if k in METAFIELD_FIELDS})
    doc["date_modified"] = now_iso()
    return store.collection(METAFIELDS).save(doc)


def _one(store: Store, owner: Owner, owner_id: int, metafield_id: int) -> Document:
    doc = store.collection(METAFIELDS).get(metafield_id)
    if doc is None or not owner.owns(doc) or doc["resource_id"] != owner_id:
        raise not_found("metafield", metafield_id)
    return doc


def _named(request: Request, name: str) -> list[str] | None:
    """``name`` and ``name:in`` together, or None when neither is given."""
    values = csv_param(request, f"{name}:in")
    if name in request.query_params:
        values = [*(values or []), request.query_params[name]]
    return values


def _filter(request: Request, docs: list[Document]) -> list[Document]:
    keys, spaces = _named(request, "key"), _named(request, "namespace")
    return [
        d
        for d in docs
        if (keys is None or d["key"] in keys) and (spaces is None or d["namespace"] in spaces)
    ]


_ID_TESTS: dict[str, Callable[[int, int], bool]] = {
    "id": lambda i, v: i == v,
    "id:min": lambda i, v: i >= v,
    "id:max": lambda i, v: i <= v,
    "id:greater": lambda i, v: i > v,
    "id:less": lambda i, v: i < v,
}


def _filter_ids(request: Request, docs: list[Document]) -> list[Document]:
    for name, test in _ID_TESTS.items():
        value = int_query(request, name)
        if value is not None:
            docs = [d for d in docs if test(d["id"], value)]
    wanted = int_list_param(request, "id:in")
    if wanted is not None:
        docs = [d for d in docs if d["id"] in set(wanted)]
    unwanted = int_list_param(request, "id:not_in")
    if unwanted is not None:
        docs = [d for d in docs if d["id"] not in set(unwanted)]
    return docs


def _filter_dates(request: Request, docs: list[Document]) -> list[Document]:
    for field in ("date_created", "date_modified"):
        low, high = parse_when(request, f"{field}:min"), parse_when(request, f"{field}:max")
        if low is not None:
            docs = [d for d in docs if stamp(d[field]) >= low]
        if high is not None:
            docs = [d for d in docs if stamp(d[field]) <= high]
    return docs


# -- one owner's metafields -----------------------------------------------------------------------
def _register_single(owner: Owner) -> None:
    @api.route("GET", owner.base)
    async def list_metafields(request: Request, store: Store) -> Response:
        found = owner.get(store, request.path_params[owner.id_param])
        docs = _filter_ids(request, _filter(request, _of(store, owner, found["id"])))
        include, exclude = field_selector(request)
        return list_response(docs, request, render=lambda d: select_fields(d, include, exclude))

    @api.route("POST", owner.base)
    async def post_metafield(request: Request, store: Store) -> Response:
        found = owner.get(store, request.path_params[owner.id_param])
        body = await read_object(request)
        errors = field_errors(
            body, METAFIELD_FIELDS, required=REQUIRED, ignored=(*READ_ONLY, "resource_id")
        )
        if errors:
            raise ApiProblem(422, INVALID, errors)
        client = _client(request)
        if _clash(store, owner, found["id"], body["namespace"], body["key"], client, None):
            raise conflict("key", f"metafield {body['namespace']}.{body['key']} already exists")
        return data_response(_new(store, owner, found["id"], body, client))

    @api.route("GET", owner.base + "/{metafield_id:int}")
    async def get_metafield(request: Request, store: Store) -> Response:
        found = owner.get(store, request.path_params[owner.id_param])
        doc = _one(store, owner, found["id"], request.path_params["metafield_id"])
        include, exclude = field_selector(request)
        return data_response(select_fields(doc, include, exclude))

    @api.route("PUT", owner.base + "/{metafield_id:int}")
    async def put_metafield(request: Request, store: Store) -> Response:
        found = owner.get(store, request.path_params[owner.id_param])
        doc = _one(store, owner, found["id"], request.path_params["metafield_id"])
        body = await read_object(request)
        errors = field_errors(body, METAFIELD_FIELDS, ignored=(*READ_ONLY, "resource_id"))
        if errors:
            # The spec declares 400 (not 422) for an invalid update of one metafield.
            raise ApiProblem(400, "Input is invalid", errors)
        namespace = str(body.get("namespace", doc["namespace"]))
        key = str(body.get("key", doc["key"]))
        if _clash(store, owner, found["id"], namespace, key, doc["owner_client_id"], doc["id"]):
            raise ApiProblem(400, "Input is invalid", {"key": f"{namespace}.{key} already exists"})
        return data_response(_update(store, doc, body))

    @api.route("DELETE", owner.base + "/{metafield_id:int}")
    async def delete_metafield(request: Request, store: Store) -> Response:
        found = owner.get(store, request.path_params[owner.id_param])
        doc = _one(store, owner, found["id"], request.path_params["metafield_id"])
        store.collection(METAFIELDS).delete(doc["id"])
        return empty(204)


# -- batch ----------------------------------------------------------------------------------------
def _item_error(status: int, title: str, errors: dict[str, str]) -> dict[str, Any]:
    return {"status": status, "title": title, "type": ERROR_TYPE, "errors": errors}


def _batch_response(data: list[Any], errors: list[dict[str, Any]], total: int) -> Response:
    meta = {"total": total, "success": len(data), "failed": total - len(data)}
    return json_response({"data": data, "errors": errors, "meta": meta}, 422 if errors else 200)


def _register_batch(owner: Owner) -> None:
    kind = owner.resource_type

    @api.route("GET", owner.batch)
    async def list_all(request: Request, store: Store) -> Response:
        ids = int_list_param(request, "resource_id:in")
        if ids is not None:
            docs = [d for i in sorted(set(ids)) for d in _of(store, owner, i)]
        else:
            docs = [d for d in store.collection(METAFIELDS) if owner.owns(d)]
        docs = _filter_dates(request, _filter(request, docs))
        if request.query_params.get("direction") == "desc":
            docs = list(reversed(docs))
        return list_response(docs, request)

    @api.route("POST", owner.batch)
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
            owner_id = item["resource_id"]
            if store.collection(owner.collection).get(owner_id) is None:
                errors.append(
                    _item_error(404, "Not found", {f"{i}.resource_id": f"no {kind} {owner_id}"})
                )
                continue
            if _clash(store, owner, owner_id, item["namespace"], item["key"], client, None):
                message = f"metafield {item['namespace']}.{item['key']} already exists"
                errors.append(_item_error(409, "Conflict", {f"{i}.key": message}))
                continue
            created.append(_new(store, owner, owner_id, item, client))
        return _batch_response(created, errors, len(items))

    @api.route("PUT", owner.batch)
    async def put_batch(request: Request, store: Store) -> Response:
        items = await read_array(request)
        coll = store.collection(METAFIELDS)
        accepted: list[tuple[Document, dict[str, Any]]] = []
        pending: dict[int, tuple[str, str]] = {}
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
            if not problems and not owner.owns(doc):
                problems = {f"{i}.id": f"no {kind} metafield {item['id']}"}
            if problems or doc is None:
                errors.append(_item_error(422, INVALID, problems))
                continue
            namespace, key = pending.get(doc["id"], (doc["namespace"], doc["key"]))
            namespace_key = (str(item.get("namespace", namespace)), str(item.get("key", key)))
            client = doc["owner_client_id"]
            if _clash(store, owner, doc["resource_id"], *namespace_key, client, doc["id"], pending):
                message = f"{namespace_key[0]}.{namespace_key[1]} already exists"
                errors.append(_item_error(409, "Conflict", {f"{i}.key": message}))
                continue
            pending[doc["id"]] = namespace_key
            accepted.append((doc, item))
        if errors and not owner.partial_updates:
            raise ApiProblem(422, INVALID, {k: v for e in errors for k, v in e["errors"].items()})
        # Re-read each document: an id given twice gets both items' changes.
        updated = [_update(store, coll.get(doc["id"]) or doc, item) for doc, item in accepted]
        return _batch_response(updated, errors, len(items))

    @api.route("DELETE", owner.batch)
    async def delete_batch(request: Request, store: Store) -> Response:
        ids = await read_json(request)
        if not isinstance(ids, list) or any(
            isinstance(i, bool) or not isinstance(i, int) for i in ids
        ):
            raise ApiProblem(422, INVALID, {"body": "expected an array of metafield ids"})
        coll = store.collection(METAFIELDS)
        errors: list[dict[str, Any]] = []
        deleted: list[int] = []
        for i, metafield_id in enumerate(ids):
            if not owner.owns(coll.get(metafield_id)):
                errors.append(
                    _item_error(404, "Not found", {f"{i}": f"no {kind} metafield {metafield_id}"})
                )
                continue
            coll.delete(metafield_id)
            deleted.append(metafield_id)
        return _batch_response(deleted, errors, len(ids))


for _owner in OWNERS:
    _register_single(_owner)
    _register_batch(_owner)
