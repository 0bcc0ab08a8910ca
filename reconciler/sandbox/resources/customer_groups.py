"""Customer groups V2 (customers.v2.yml): ``/v2/customer_groups``, ``/{id}`` and ``/count``.

V2 conventions: lists are bare arrays (204 on an empty page), errors are
``[{"status", "message"}]`` arrays; an invalid body is a 400 as on V2. ``name`` is required;
the spec does not state that names are unique, but BigCommerce's control panel refuses a
second group with the same name and StagingPro matches groups by name, so a duplicate is a
409. ``discount_rules`` are validated (a ``price_list`` rule must name an existing price list)
and a PUT replaces the whole set. Only one group is the default: setting ``is_default``
clears it elsewhere. Deleting a group moves its customers to no group (id 0).
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import (
    V2Problem,
    empty,
    json_response,
    now_iso,
    read_v2_object,
    v2_list_response,
)
from reconciler.sandbox.resources._support import bool_param, like, named_exactly
from reconciler.sandbox.storage import Document, Store, define_collection, define_index

api = Api(scope="store_v2_customers")

COLLECTION = "customer_groups"
RULE_TYPES = ("price_list", "all", "category", "product")
METHODS = ("percent", "fixed", "price")
ACCESS_TYPES = ("all", "specific", "none")
_FIELDS = ("name", "is_default", "category_access", "discount_rules", "is_group_for_guests")

define_collection(COLLECTION)
define_index(COLLECTION, "name", lambda d: [d["name"].lower()])


def _bad(message: str) -> V2Problem:
    return V2Problem(400, message)


def _check_rules(store: Store, rules: Any) -> None:
    if not isinstance(rules, list):
        raise _bad("discount_rules must be an array")
    for index, rule in enumerate(rules):
        where = f"discount_rules[{index}]"
        if not isinstance(rule, dict) or rule.get("type") not in RULE_TYPES:
            raise _bad(f"{where}.type must be one of {', '.join(RULE_TYPES)}")
        kind = rule["type"]
        if kind == "price_list":
            list_id = rule.get("price_list_id")
            if not isinstance(list_id, int) or store.collection("price_lists").get(list_id) is None:
                raise _bad(f"{where}.price_list_id must name an existing price list")
            continue
        if kind != "all" or "method" in rule or "amount" in rule:
            if rule.get("method") not in METHODS:
                raise _bad(f"{where}.method must be one of {', '.join(METHODS)}")
            amount = rule.get("amount")
            try:
                float(str(amount))
            except ValueError:
                raise _bad(f"{where}.amount must be a decimal string, got {amount!r}") from None
        id_field = {"category": "category_id", "product": "product_id"}.get(kind)
        if id_field is not None and not isinstance(rule.get(id_field), int):
            raise _bad(f"{where}.{id_field} is required for a {kind} rule")


def _check(store: Store, body: dict[str, Any], own_id: int | None, *, creating: bool) -> None:
    unknown = sorted(set(body) - set(_FIELDS) - {"id", "date_created", "date_modified"})
    if unknown:
        raise _bad(f"Unknown field(s) for a customer group: {', '.join(unknown)}")
    name = body.get("name")
    if creating or "name" in body:
        if not isinstance(name, str) or not name.strip():
            raise _bad("The required field 'name' was not supplied or is empty.")
        clash = [
            d
            for d in store.collection(COLLECTION).lookup("name", name.lower())
            if d["id"] != own_id
        ]
        if clash:
            raise V2Problem(
                409, f"A customer group named {name!r} already exists (id {clash[0]['id']})."
            )
    for flag in ("is_default", "is_group_for_guests"):
        if flag in body and not isinstance(body[flag], bool):
            raise _bad(f"{flag} must be a boolean")
    access = body.get("category_access")
    if access is not None:
        if not isinstance(access, dict) or access.get("type") not in ACCESS_TYPES:
            raise _bad(f"category_access.type must be one of {', '.join(ACCESS_TYPES)}")
        categories = access.get("categories", [])
        if not isinstance(categories, list) or not all(isinstance(c, int) for c in categories):
            raise _bad("category_access.categories must be an array of category ids")
    if "discount_rules" in body:
        _check_rules(store, body["discount_rules"])


def _save(store: Store, doc: dict[str, Any]) -> Document:
    coll = store.collection(COLLECTION)
    if doc.get("is_default"):
        for other in coll:
            if other["id"] != doc["id"] and other["is_default"]:
                coll.save({**other, "is_default": False})
    if doc.get("is_group_for_guests"):
        for other in coll:
            if other["id"] != doc["id"] and other["is_group_for_guests"]:
                coll.save({**other, "is_group_for_guests": False})
    return coll.save(doc)


def _group(request: Request, store: Store) -> Document:
    doc = store.collection(COLLECTION).get(request.path_params["customer_group_id"])
    if doc is None:
        raise V2Problem(404, "The requested customer group was not found.")
    return doc


@api.route("GET", "/v2/customer_groups")
async def list_groups(request: Request, store: Store) -> Response:
    coll = store.collection(COLLECTION)
    params = request.query_params
    docs = named_exactly(coll, params["name"]) if "name" in params else list(coll)
    if "name:like" in params:
        docs = [d for d in docs if like(params["name:like"], d["name"])]
    for flag in ("is_default", "is_group_for_guests"):
        value = bool_param(request, flag, v2=True)
        if value is not None:
            docs = [d for d in docs if d[flag] is value]
    for field in ("date_created", "date_modified"):
        exact = params.get(field)
        if exact:
            docs = [d for d in docs if d[field][: len(exact)] == exact]
        low = params.get(f"{field}:min")
        high = params.get(f"{field}:max")
        if low:
            docs = [d for d in docs if d[field] >= low]
        if high:
            docs = [d for d in docs if d[field] <= high]
    return v2_list_response(docs, request)


@api.route("GET", "/v2/customer_groups/count")
async def count_groups(request: Request, store: Store) -> Response:
    return json_response({"count": len(store.collection(COLLECTION))})


@api.route("POST", "/v2/customer_groups")
async def create_group(request: Request, store: Store) -> Response:
    body = await read_v2_object(request)
    _check(store, body, None, creating=True)
    now = now_iso()
    doc = {
        "id": store.collection(COLLECTION).new_id(),
        "name": body["name"],
        "is_default": body.get("is_default", False),
        "category_access": body.get("category_access") or {"type": "all"},
        "discount_rules": body.get("discount_rules", []),
        "date_created": now,
        "date_modified": now,
        "is_group_for_guests": body.get("is_group_for_guests", False),
    }
    return json_response(_save(store, doc))


@api.route("GET", "/v2/customer_groups/{customer_group_id:int}")
async def get_group(request: Request, store: Store) -> Response:
    return json_response(_group(request, store))


@api.route("PUT", "/v2/customer_groups/{customer_group_id:int}")
async def update_group(request: Request, store: Store) -> Response:
    current = _group(request, store)
    body = await read_v2_object(request)
    _check(store, body, current["id"], creating=False)
    doc = {**current, **{k: v for k, v in body.items() if k in _FIELDS}, "date_modified": now_iso()}
    return json_response(_save(store, doc))


@api.route("DELETE", "/v2/customer_groups/{customer_group_id:int}")
async def delete_group(request: Request, store: Store) -> Response:
    doc = _group(request, store)
    customers = store.collection("customers")
    for customer in (
        customers.lookup("group", doc["id"]) if "group" in customers.spec.indexes else ()
    ):
        customers.save({**customer, "customer_group_id": 0})
    store.collection(COLLECTION).delete(doc["id"])
    return empty(204)
