"""Webhooks V3 (webhooks.v3.yml): ``/v3/hooks`` and ``/v3/hooks/{webhook_id}``.

* Hooks are scoped to the API account (``client_id``) behind the token: an account lists,
  reads, updates and deletes only its own hooks; another account's hook is a 404;
* POST creates one hook; ``scope`` and ``destination`` are required and the destination
  "must be served on port 443" over https (a 422 otherwise); ``headers`` (string values)
  are stored and returned; ``created_at``/``updated_at`` are Unix timestamps;
* DELETE answers 200 with the deleted hook.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import NO_SCOPE, Api
from reconciler.sandbox.http import ApiProblem, data_response, list_response, read_object
from reconciler.sandbox.resources._support import check_type
from reconciler.sandbox.resources.query_filters import Filterable, FilterSet
from reconciler.sandbox.storage import Document, Store, define_collection, define_index

# The spec: "None required. Create and manage webhooks with the default scope of an API
# account." So any valid token of the store may read and manage hooks (no scope checked).
api = Api(scope=NO_SCOPE)

COLLECTION = "hooks"
TYPES: dict[str, type | tuple[type, ...]] = {
    "scope": str,
    "destination": str,
    "is_active": bool,
    "headers": dict,
}

define_collection(COLLECTION)
define_index(COLLECTION, "client", lambda doc: [doc["client_id"]])


def _client(request: Request) -> str:
    return str(request.scope.get("sandbox.client_id", ""))


def _validate(changes: dict[str, Any], *, creating: bool) -> dict[str, str]:
    unknown = sorted(set(changes) - set(TYPES) - {"id", "client_id", "store_hash"})
    errors = dict.fromkeys(unknown, "is not a valid field of a webhook")
    errors.update(check_type(changes, TYPES, nullable=("headers",)))
    if creating:
        for name in ("scope", "destination"):
            if not changes.get(name):
                errors.setdefault(name, f"{name} is required")
    if errors:
        return errors
    scope = changes.get("scope")
    if scope is not None and (not scope.startswith("store/") or scope.count("/") < 2):
        errors["scope"] = f"{scope!r} is not a webhook scope (e.g. store/order/created)"
    destination = changes.get("destination")
    if destination is not None:
        parts = urlsplit(destination)
        try:
            port = parts.port
        except ValueError:
            port = -1
        if parts.scheme != "https" or not parts.hostname:
            errors["destination"] = "destination must be an https URL"
        elif port not in (None, 443):
            errors["destination"] = "destination must be served on port 443"
    headers = changes.get("headers")
    if isinstance(headers, dict) and not all(isinstance(v, str) for v in headers.values()):
        errors["headers"] = "header values must be strings"
    return errors


def _own(request: Request, store: Store) -> Document:
    doc = store.collection(COLLECTION).get(request.path_params["webhook_id"])
    if doc is None or doc["client_id"] != _client(request):
        raise ApiProblem(404, "Webhook not found", {"id": "no webhook with this id"})
    return doc


LIST_FILTERS = FilterSet(
    {
        "is_active": Filterable("bool"),
        "scope": Filterable("str"),
        "destination": Filterable("str"),
    },
    filters=("is_active", "scope", "destination"),
)


@api.route("GET", "/v3/hooks", filters=LIST_FILTERS)
async def list_hooks(request: Request, store: Store) -> Response:
    docs = store.collection(COLLECTION).lookup("client", _client(request))
    return list_response(LIST_FILTERS.apply(request, docs), request)


@api.route("POST", "/v3/hooks")
async def create_hook(request: Request, store: Store) -> Response:
    body = await read_object(request)
    errors = _validate(body, creating=True)
    if errors:
        raise ApiProblem(422, "JSON data is missing or invalid", errors)
    coll = store.collection(COLLECTION)
    now = int(time.time())
    doc = {
        "id": coll.new_id(),
        "client_id": _client(request),
        "store_hash": store.hash,
        "created_at": now,
        "updated_at": now,
        "scope": body["scope"],
        "destination": body["destination"],
        "is_active": body.get("is_active", True),
        "headers": body.get("headers"),
    }
    return data_response(coll.save(doc))


@api.route("GET", "/v3/hooks/{webhook_id:int}")
async def get_hook(request: Request, store: Store) -> Response:
    return data_response(_own(request, store))


@api.route("PUT", "/v3/hooks/{webhook_id:int}")
async def update_hook(request: Request, store: Store) -> Response:
    current = _own(request, store)
    body = await read_object(request)
    errors = _validate(body, creating=False)
    if errors:
        raise ApiProblem(422, "JSON data is missing or invalid", errors)
    merged = {**current, **{k: v for k, v in body.items() if k in TYPES}}
    merged["updated_at"] = int(time.time())
    return data_response(store.collection(COLLECTION).save(merged))


@api.route("DELETE", "/v3/hooks/{webhook_id:int}")
async def delete_hook(request: Request, store: Store) -> Response:
    doc = _own(request, store)
    store.collection(COLLECTION).delete(doc["id"])
    return data_response(doc)
