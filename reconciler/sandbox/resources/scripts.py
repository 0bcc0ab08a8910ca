"""Scripts V3 (scripts.v3.yml): ``/v3/content/scripts`` and ``/v3/content/scripts/{uuid}``.

* Scripts are identified by a ``uuid`` and are "only visible to and editable by" the API
  account that created them: every handler sees only the scripts whose ``api_client_id``
  is the token's account; another account's script is a 404;
* POST requires ``name``; ``kind`` ``src`` needs ``src`` (and no ``html``), ``script_tag``
  needs ``html`` (and no ``src``) with the ``default`` load method;
* "Each app can have 10 scripts installed" and a channel holds at most 50 scripts: both
  are 422s, as BigCommerce lists no other status for POST.
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
    now_iso,
    read_object,
)
from reconciler.sandbox.resources._support import (
    check_enum,
    check_type,
    new_uuid,
    sort_docs,
    token_has_scope,
)
from reconciler.sandbox.resources.query_filters import PAGING, Filterable, FilterSet
from reconciler.sandbox.storage import Document, Store, define_collection, define_index

api = Api(scope="store_v2_content")

COLLECTION = "scripts"
MAX_PER_CLIENT = 10
MAX_PER_CHANNEL = 50
HTML_MAX = 65536
NAME_MAX = 255

ENUMS = {
    "kind": ("src", "script_tag"),
    "load_method": ("default", "async", "defer"),
    "location": ("head", "footer"),
    "visibility": ("storefront", "all_pages", "checkout", "order_confirmation"),
    "consent_category": ("essential", "functional", "analytics", "targeting"),
}
TYPES: dict[str, type | tuple[type, ...]] = {
    "name": str,
    "description": str,
    "html": str,
    "src": str,
    "auto_uninstall": bool,
    "load_method": str,
    "location": str,
    "visibility": str,
    "kind": str,
    "consent_category": str,
    "enabled": bool,
    "channel_id": int,
    "integrity_hashes": list,
}
CHECKOUT_VISIBILITY = ("all_pages", "checkout")
SORT_FIELDS = ("name", "description", "date_created", "date_modified")

define_collection(COLLECTION, id_field="uuid")
define_index(COLLECTION, "client", lambda doc: [doc["api_client_id"]])
define_index(COLLECTION, "channel", lambda doc: [doc["channel_id"]])


def _client(request: Request) -> str:
    return str(request.scope.get("sandbox.client_id", ""))


def _invalid(errors: dict[str, str]) -> ApiProblem:
    return ApiProblem(422, "JSON data is missing or invalid", errors)


def _validate(doc: dict[str, Any], changes: dict[str, Any]) -> dict[str, str]:
    """Problems with the script ``doc`` (after applying ``changes``)."""
    unknown = sorted(set(changes) - set(TYPES) - {"api_client_id"})
    errors = dict.fromkeys(unknown, "is not a valid field of a script")
    errors.update(check_type(changes, TYPES))
    errors.update(check_enum(changes, ENUMS))
    if errors:
        return errors
    if not doc.get("name"):
        errors["name"] = "name is required"
    elif len(doc["name"]) > NAME_MAX:
        errors["name"] = f"name must be at most {NAME_MAX} characters"
    if doc["kind"] == "src":
        if not doc.get("src"):
            errors["src"] = "src is required when kind is src"
        if changes.get("html"):
            errors["html"] = "html must not be given when kind is src"
    else:
        if not doc.get("html"):
            errors["html"] = "html is required when kind is script_tag"
        elif len(doc["html"]) > HTML_MAX:
            errors["html"] = f"html must be at most {HTML_MAX} characters"
        if changes.get("src"):
            errors["src"] = "src must not be given when kind is script_tag"
        if doc["load_method"] != "default":
            errors["load_method"] = "load_method must be default when kind is script_tag"
    if not all(isinstance(h, str) for h in doc.get("integrity_hashes", [])):
        errors["integrity_hashes"] = "integrity_hashes must be an array of strings"
    return errors


def _check_checkout_scope(request: Request, store: Store, doc: dict[str, Any]) -> None:
    """Scripts on checkout pages need the Checkout Content scope (scripts.v3.yml)."""
    if doc["visibility"] in CHECKOUT_VISIBILITY and not token_has_scope(
        request, store, "store_content_checkout", modify=True
    ):
        raise ApiProblem(
            403,
            "You don't have a required scope to access the endpoint: "
            "store_content_checkout (modify)",
            {"visibility": f"{doc['visibility']!r} scripts need the Checkout Content scope"},
        )


def _own(request: Request, store: Store) -> Document:
    doc = store.collection(COLLECTION).get(request.path_params["uuid"])
    if doc is None or doc["api_client_id"] != _client(request):
        raise ApiProblem(404, "Script not found", {"uuid": "no script with this uuid"})
    return doc


LIST_FILTERS = FilterSet(
    {"channel_id": Filterable("int")},
    filters=("channel_id:in",),
    options=(*PAGING, "sort", "direction"),
)


@api.route("GET", "/v3/content/scripts", filters=LIST_FILTERS)
async def list_scripts(request: Request, store: Store) -> Response:
    docs = LIST_FILTERS.apply(
        request, store.collection(COLLECTION).lookup("client", _client(request))
    )
    sort = request.query_params.get("sort")
    if sort is not None:
        if sort not in SORT_FIELDS:
            raise _invalid({"sort": f"must be one of {', '.join(SORT_FIELDS)}"})
        docs = sort_docs(
            docs, sort, request.query_params.get("direction"), default=lambda d: d["date_created"]
        )
    else:
        docs.sort(key=lambda d: (d["date_created"], d["seq"]))
    return list_response(docs, request, render=_render)


def _render(doc: Document) -> dict[str, Any]:
    return {k: v for k, v in doc.items() if k != "seq"}


@api.route("POST", "/v3/content/scripts")
async def create_script(request: Request, store: Store) -> Response:
    body = await read_object(request)
    kind = body.get("kind") or ("script_tag" if body.get("html") else "src")
    now = now_iso()
    doc: dict[str, Any] = {
        "name": "",
        "uuid": new_uuid(),
        "date_created": now,
        "date_modified": now,
        "description": "",
        "html": "",
        "src": "",
        "auto_uninstall": False,
        "load_method": "default",
        "location": "head",
        "visibility": "storefront",
        "kind": kind,
        "api_client_id": _client(request),
        "consent_category": "essential",
        "enabled": True,
        "channel_id": 1,
        "integrity_hashes": [],
    }
    changes = {k: v for k, v in body.items() if k != "api_client_id"}
    doc.update({k: v for k, v in changes.items() if k in TYPES})
    doc["kind"] = kind
    errors = _validate(doc, changes)
    if errors:
        raise _invalid(errors)
    _check_checkout_scope(request, store, doc)
    coll = store.collection(COLLECTION)
    if len(coll.lookup("client", doc["api_client_id"])) >= MAX_PER_CLIENT:
        raise _invalid({"api_client_id": f"an app can have at most {MAX_PER_CLIENT} scripts"})
    if len(coll.lookup("channel", doc["channel_id"])) >= MAX_PER_CHANNEL:
        raise _invalid(
            {"channel_id": f"channel {doc['channel_id']} already has {MAX_PER_CHANNEL} scripts"}
        )
    doc["seq"] = coll.new_id()
    coll.save(doc)
    return data_response(_render(doc))


@api.route("GET", "/v3/content/scripts/{uuid}")
async def get_script(request: Request, store: Store) -> Response:
    return data_response(_render(_own(request, store)))


@api.route("PUT", "/v3/content/scripts/{uuid}")
async def update_script(request: Request, store: Store) -> Response:
    current = _own(request, store)
    body = await read_object(request)
    changes = {k: v for k, v in body.items() if k not in ("uuid", "api_client_id")}
    merged = {**current, **{k: v for k, v in changes.items() if k in TYPES}}
    if "kind" in changes and changes["kind"] == "src" and "html" not in changes:
        merged["html"] = ""
    if "kind" in changes and changes["kind"] == "script_tag" and "src" not in changes:
        merged["src"] = ""
    errors = _validate(merged, changes)
    if errors:
        raise _invalid(errors)
    _check_checkout_scope(request, store, merged)
    on_channel = store.collection(COLLECTION).lookup("channel", merged["channel_id"])
    if merged["channel_id"] != current["channel_id"] and len(on_channel) >= MAX_PER_CHANNEL:
        raise _invalid({"channel_id": f"channel already has {MAX_PER_CHANNEL} scripts"})
    merged["date_modified"] = now_iso()
    store.collection(COLLECTION).save(merged)
    return data_response(_render(merged))


@api.route("DELETE", "/v3/content/scripts/{uuid}")
async def delete_script(request: Request, store: Store) -> Response:
    doc = _own(request, store)
    store.collection(COLLECTION).delete(doc["uuid"])
    return empty(204)
