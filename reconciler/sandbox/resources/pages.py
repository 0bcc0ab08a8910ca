"""Pages V3 (pages.v3.yml): ``/v3/content/pages`` (bulk) and ``/v3/content/pages/{pageId}``.

Behaviour taken from the spec:

* ``body`` is only returned with ``include=body``;
* POST takes an object (answered with an object) or an array (answered with an array);
  required ``name`` and ``type``; ``raw`` pages also need ``body`` and ``link`` pages
  ``link``; the name "Must be unique"; at most 4000 pages per store;
* errors are ``application/problem+json`` ``{status, title, type, detail}``; in a bulk POST
  "an invalid input in any one entry will return 422. The entries that are valid will
  still be created" — so a bulk POST is the one place where a rejected request leaves a
  trace, exactly as the spec states. The spec lists no 409 for pages, so a duplicate name
  is answered 422 like any other invalid input;
* DELETE needs ``id:in``; ids that do not exist give 404 while the others are deleted;
  without ``delete_children=true`` the children of a deleted page move to the top level
  and become invisible.
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api, Handler
from reconciler.sandbox.http import ApiProblem, empty, includes, json_response, paginate, read_json
from reconciler.sandbox.resources._support import (
    ProblemDetail,
    bool_param,
    check_enum,
    check_type,
    like,
    problem_json,
)
from reconciler.sandbox.storage import Document, Store, define_collection, define_index

api = Api(scope="store_v2_content")

COLLECTION = "pages"
MAX_PAGES = 4000
NAME_MAX = 100
PAGE_TYPES = ("page", "raw", "contact_form", "link", "blog")

_COMMON = (
    "id",
    "channel_id",
    "name",
    "is_visible",
    "parent_id",
    "sort_order",
    "type",
    "is_homepage",
    "is_customers_only",
    "url",
)
_META = ("meta_title", "meta_keywords", "meta_description", "search_keywords")
_TYPE_FIELDS: dict[str, tuple[str, ...]] = {
    "page": _META,
    "blog": _META,
    "contact_form": (*_META, "email", "contact_fields"),
    "raw": ("search_keywords", "content_type"),
    "link": ("link",),
}
_WRITABLE = {
    "channel_id": int,
    "name": str,
    "is_visible": bool,
    "parent_id": int,
    "sort_order": int,
    "type": str,
    "body": str,
    "is_homepage": bool,
    "is_customers_only": bool,
    "email": str,
    "meta_title": str,
    "link": str,
    "contact_fields": str,
    "meta_keywords": str,
    "meta_description": str,
    "search_keywords": str,
    "url": str,
    "content_type": str,
}
_NULLABLE = ("body", "meta_title", "meta_keywords", "meta_description", "search_keywords")

define_collection(COLLECTION)
define_index(COLLECTION, "name", lambda doc: [str(doc["name"]).lower()])
define_index(COLLECTION, "parent", lambda doc: [doc["parent_id"]])
define_index(COLLECTION, "channel", lambda doc: [doc["channel_id"]])


def _invalid(detail: str) -> ProblemDetail:
    return ProblemDetail(422, "Input is invalid", detail)


def _not_found(page_id: object) -> ProblemDetail:
    return ProblemDetail(404, f"A Page was not found with an ID of {page_id}")


def _handles_problems(handler: Handler) -> Handler:
    """Answer :class:`ProblemDetail` (and core :class:`ApiProblem`) as problem+json."""

    async def wrapped(request: Request, store: Store) -> Response:
        try:
            response: Response = await handler(request, store)
        except ProblemDetail as problem:
            return problem_json(problem.status, problem.title, problem.detail)
        except ApiProblem as problem:
            detail = "; ".join(f"{k}: {v}" for k, v in problem.errors.items()) or None
            return problem_json(problem.status, problem.title, detail)
        return response

    wrapped.__name__ = handler.__name__
    wrapped.__doc__ = handler.__doc__
    return wrapped


def render(doc: Document, *, with_body: bool) -> dict[str, Any]:
    """The page as the API returns it: common fields plus those of its type."""
    out = {name: doc.get(name) for name in _COMMON}
    for name in _TYPE_FIELDS[doc["type"]]:
        out[name] = doc.get(name)
    if with_body and doc["type"] != "link":
        out["body"] = doc.get("body")
    return out


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "page"


def _validate(doc: dict[str, Any], store: Store, taken: dict[str, int | None]) -> str | None:
    """The first problem with a complete page document, or ``None`` when it is valid.

    ``taken`` maps lower-cased names claimed earlier in the same request to their ids.
    """
    missing = [name for name in ("name", "type") if doc.get(name) in (None, "")]
    if missing:
        return f"missing the required field: {', '.join(missing)}"
    errors = check_type(doc, _WRITABLE, nullable=_NULLABLE)
    errors.update(check_enum(doc, {"type": PAGE_TYPES}))
    if errors:
        return "; ".join(errors.values())
    if doc["type"] == "raw" and doc.get("body") in (None, ""):
        return "missing the required field: body"
    if doc["type"] == "link" and not doc.get("link"):
        return "missing the required field: link"
    if len(doc["name"]) > NAME_MAX:
        return f"name must be at most {NAME_MAX} characters"
    key = doc["name"].lower()
    own_id = doc.get("id")
    clashes = [d for d in store.collection(COLLECTION).lookup("name", key) if d["id"] != own_id]
    if clashes or (key in taken and taken[key] != own_id):
        return f"name must be unique: a page named {doc['name']!r} already exists"
    parent = doc.get("parent_id") or 0
    if parent:
        if parent == own_id:
            return "parent_id must not be the page itself"
        if store.collection(COLLECTION).get(parent) is None:
            return f"parent_id {parent} is not an existing page"
    return None


def _new_doc(item: dict[str, Any]) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "channel_id": 1,
        "is_visible": True,
        "parent_id": 0,
        "sort_order": 0,
        "is_homepage": False,
        "is_customers_only": False,
        "meta_title": "",
        "meta_keywords": "",
        "meta_description": "",
        "search_keywords": "",
        "email": "",
        "contact_fields": "",
        "content_type": "text/html",
        "link": "",
        "body": "",
    }
    doc.update({k: v for k, v in item.items() if k in _WRITABLE})
    return doc


def _unknown_fields(item: dict[str, Any], *, allow_id: bool) -> str | None:
    allowed = set(_WRITABLE) | ({"id"} if allow_id else set())
    unknown = sorted(set(item) - allowed)
    if unknown:
        return f"unknown field(s): {', '.join(unknown)}"
    return None


def _save(store: Store, doc: dict[str, Any]) -> Document:
    coll = store.collection(COLLECTION)
    if "id" not in doc:
        doc["id"] = coll.new_id()
    if not doc.get("url"):
        doc["url"] = f"/{_slug(doc['name'])}/"
    if doc.get("is_homepage"):
        for other in list(coll):
            if other["id"] != doc["id"] and other.get("is_homepage"):
                coll.save({**other, "is_homepage": False})
    return coll.save(doc)


@api.route("GET", "/v3/content/pages")
@_handles_problems
async def list_pages(request: Request, store: Store) -> Response:
    coll = store.collection(COLLECTION)
    params = request.query_params
    ids = _int_list(request, "id:in")
    channel = params.get("channel_id")
    if ids is not None:
        docs = [d for d in (coll.get(i) for i in sorted(set(ids))) if d is not None]
    elif channel is not None:
        docs = coll.lookup("channel", _int(channel, "channel_id"))
    else:
        docs = list(coll)
    if channel is not None and ids is not None:
        docs = [d for d in docs if d["channel_id"] == _int(channel, "channel_id")]
    if "name" in params:
        docs = [d for d in docs if d["name"] == params["name"]]
    if "name:like" in params:
        docs = [d for d in docs if like(params["name:like"], d["name"])]
    if "url" in params:
        docs = [d for d in docs if d.get("url") == params["url"]]
    with_body = "body" in includes(request)
    chunk, meta = paginate(docs, request)
    return json_response({"data": [render(d, with_body=with_body) for d in chunk], "meta": meta})


@api.route("POST", "/v3/content/pages")
@_handles_problems
async def create_pages(request: Request, store: Store) -> Response:
    body = await read_json(request)
    single = isinstance(body, dict)
    items = [body] if single else body
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise _invalid("expected a page object or an array of page objects")
    if not items:
        raise _invalid("expected at least one page")
    room = MAX_PAGES - len(store.collection(COLLECTION))
    taken: dict[str, int | None] = {}
    created: list[Document] = []
    problems: list[str] = []
    for index, item in enumerate(items):
        problem = _unknown_fields(item, allow_id=False)
        doc = _new_doc(item)
        problem = problem or _validate(doc, store, taken)
        if problem is None and len(created) >= room:
            problem = f"the store already has the maximum of {MAX_PAGES} pages"
        if problem is not None:
            problems.append(problem if single else f"[{index}] {problem}")
            continue
        taken[doc["name"].lower()] = -1 - index  # a new page: no id, but not "this page"
        created.append(doc)
    for doc in created:
        _save(store, doc)
    if problems:
        # The spec: "an invalid input in any one entry will return 422. The entries
        # that are valid will still be created."
        raise _invalid("; ".join(problems))
    with_body = "body" in includes(request)
    rendered = [render(d, with_body=with_body) for d in created]
    return json_response({"data": rendered[0] if single else rendered, "meta": {}}, 201)


@api.route("PUT", "/v3/content/pages")
@_handles_problems
async def update_pages(request: Request, store: Store) -> Response:
    body = await read_json(request)
    items = [body] if isinstance(body, dict) else body
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items) or not items:
        raise _invalid("expected a page object or a non-empty array of page objects")
    coll = store.collection(COLLECTION)
    taken: dict[str, int | None] = {}
    updated: list[dict[str, Any]] = []
    for index, item in enumerate(items):
        page_id = item.get("id")
        if page_id is None:
            raise _invalid(f"[{index}] missing the required field: id")
        if not isinstance(page_id, int) or isinstance(page_id, bool):
            raise _invalid(f"[{index}] id must be an integer")
        current = coll.get(page_id)
        if current is None:
            raise _not_found(page_id)
        merged = {**current, **item}
        problem = _unknown_fields(item, allow_id=True) or _validate(merged, store, taken)
        if problem is not None:
            raise _invalid(f"[{index}] {problem}")
        taken[merged["name"].lower()] = page_id
        updated.append(merged)
    saved = [_save(store, doc) for doc in updated]
    with_body = "body" in includes(request)
    return json_response({"data": [render(d, with_body=with_body) for d in saved], "meta": {}})


@api.route("DELETE", "/v3/content/pages")
@_handles_problems
async def delete_pages(request: Request, store: Store) -> Response:
    ids = _int_list(request, "id:in")
    if not ids:
        raise _invalid("missing the required field: id")
    recursive = bool(bool_param(request, "delete_children"))
    coll = store.collection(COLLECTION)
    missing = [i for i in ids if coll.get(i) is None]
    for page_id in ids:
        if coll.get(page_id) is not None:
            _delete(store, page_id, recursive=recursive)
    if missing:
        raise _not_found(missing[0])
    return empty(204)


def _delete(store: Store, page_id: int, *, recursive: bool) -> None:
    coll = store.collection(COLLECTION)
    for child in coll.lookup("parent", page_id):
        if recursive:
            _delete(store, child["id"], recursive=True)
        else:
            coll.save({**child, "parent_id": 0, "is_visible": False})
    coll.delete(page_id)


def _page(store: Store, raw_id: str) -> Document:
    try:
        page_id = int(raw_id)
    except ValueError:
        raise _not_found(raw_id) from None
    doc = store.collection(COLLECTION).get(page_id)
    if doc is None:
        raise _not_found(page_id)
    return doc


@api.route("GET", "/v3/content/pages/{page_id}")
@_handles_problems
async def get_page(request: Request, store: Store) -> Response:
    doc = _page(store, request.path_params["page_id"])
    with_body = "body" in includes(request)
    return json_response({"data": render(doc, with_body=with_body), "meta": {}})


@api.route("PUT", "/v3/content/pages/{page_id}")
@_handles_problems
async def update_page(request: Request, store: Store) -> Response:
    current = _page(store, request.path_params["page_id"])
    item = await read_json(request)
    if not isinstance(item, dict):
        raise _invalid("expected a page object")
    item = {k: v for k, v in item.items() if k != "id"}
    merged = {**current, **item}
    problem = _unknown_fields(item, allow_id=False) or _validate(merged, store, {})
    if problem is not None:
        raise _invalid(problem)
    saved = _save(store, merged)
    with_body = "body" in includes(request)
    return json_response({"data": render(saved, with_body=with_body), "meta": {}})


@api.route("DELETE", "/v3/content/pages/{page_id}")
@_handles_problems
async def delete_page(request: Request, store: Store) -> Response:
    doc = _page(store, request.path_params["page_id"])
    _delete(store, doc["id"], recursive=False)
    return empty(204)


def _int(raw: str, name: str) -> int:
    try:
        return int(raw)
    except ValueError:
        raise ProblemDetail(400, "Bad Request", f"{name} must be an integer") from None


def _int_list(request: Request, name: str) -> list[int] | None:
    raw = request.query_params.get(name)
    if raw is None:
        return None
    return [_int(part, name) for part in raw.split(",") if part]
