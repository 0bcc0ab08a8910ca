"""Customers V3 (customers.v3.yml): ``/v3/customers`` and ``/v3/customers/addresses``.

* POST creates at most 10 customers (413 beyond); ``email``, ``first_name`` and
  ``last_name`` are required; embedded addresses need ``first_name, last_name, address1,
  city, country_code``. The email "Must be unique" (compared case-insensitively); the spec
  lists no 409 for customers, so a duplicate is a 422 naming the email.
* PUT updates at most 10 customers, each with ``id`` (3 concurrent requests).
* DELETE takes ``id:in``; without it the answer is 204 and nothing is deleted.
* GET takes every filter the spec lists (:data:`LIST_FILTERS`) and sorts;
  ``include=addresses,storecredit,attributes,formfields,shopper_profile_id,segment_ids``.
* Addresses live in their own collection. ``/v3/customers/addresses`` POST also needs
  ``state_or_province`` and ``postal_code``; an address identical (on its core fields) to
  one the customer has is silently skipped: 200, absent from the response.
* ``after``/``before`` switch to cursor pagination (``meta.cursor_pagination``).
* Passwords are write-only (``authentication.new_password``): the sandbox keeps only the
  fact that one was set, never the password.

Every batch is validated whole before anything is written.
"""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import (
    ApiProblem,
    csv_param,
    empty,
    includes,
    int_list_param,
    json_response,
    list_response,
    now_iso,
    page_and_limit,
    paginate,
    read_array,
)
from reconciler.sandbox.resources._support import NUMBER, check_enum, check_type
from reconciler.sandbox.resources.query_filters import (
    DATE_FILTERS,
    PAGING,
    Filterable,
    FilterSet,
    Predicate,
)
from reconciler.sandbox.storage import Document, Store, define_collection, define_index

api = Api(scope="store_v2_customers")

CUSTOMERS = "customers"
ADDRESSES = "customer_addresses"
MAX_BATCH = 10
INVALID = "JSON data is missing or invalid"

CUSTOMER_TYPES: dict[str, type | tuple[type, ...]] = {
    "email": str,
    "first_name": str,
    "last_name": str,
    "company": str,
    "phone": str,
    "notes": str,
    "tax_exempt_category": str,
    "customer_group_id": int,
    "addresses": list,
    "attributes": list,
    "authentication": dict,
    "accepts_product_review_abandoned_cart_emails": bool,
    "store_credit_amounts": list,
    "origin_channel_id": int,
    "channel_ids": list,
    "form_fields": list,
    "trigger_account_created_notification": bool,
    "registration_ip_address": str,
}
MAX_LENGTHS = {
    "email": 255,
    "first_name": 100,
    "last_name": 100,
    "company": 255,
    "phone": 50,
    "tax_exempt_category": 255,
}
ADDRESS_TYPES: dict[str, type | tuple[type, ...]] = {
    "first_name": str,
    "last_name": str,
    "company": str,
    "address1": str,
    "address2": str,
    "city": str,
    "state_or_province": str,
    "postal_code": str,
    "country_code": str,
    "phone": str,
    "address_type": str,
    "form_fields": list,
    "customer_id": int,
    "id": int,
}
ADDRESS_CORE = (
    "customer_id",
    "first_name",
    "last_name",
    "company",
    "phone",
    "address_type",
    "address1",
    "address2",
    "city",
    "country_code",
    "state_or_province",
    "postal_code",
)
EMBEDDED_ADDRESS_REQUIRED = ("first_name", "last_name", "address1", "city", "country_code")
ADDRESS_REQUIRED = (*EMBEDDED_ADDRESS_REQUIRED, "state_or_province", "postal_code")
COUNTRIES = {
    "US": "United States",
    "CA": "Canada",
    "GB": "United Kingdom",
    "AU": "Australia",
    "NZ": "New Zealand",
    "IE": "Ireland",
    "DE": "Germany",
    "FR": "France",
    "NL": "Netherlands",
    "ES": "Spain",
    "IT": "Italy",
    "MX": "Mexico",
}
SORTS = {
    "date_created:asc": ("date_created", False),
    "date_created:desc": ("date_created", True),
    "last_name:asc": ("last_name", False),
    "last_name:desc": ("last_name", True),
    "date_modified:asc": ("date_modified", False),
    "date_modified:desc": ("date_modified", True),
}

define_collection(CUSTOMERS)
define_index(CUSTOMERS, "email", lambda d: [d["email"].lower()])
define_index(CUSTOMERS, "group", lambda d: [d["customer_group_id"]])
define_collection(ADDRESSES)
define_index(ADDRESSES, "customer", lambda d: [d["customer_id"]])


def address_key(address: dict[str, Any]) -> tuple[Any, ...]:
    """The core fields that make an address unique for its customer."""
    filled = {"address_type": "residential", **{k: v for k, v in address.items() if v}}
    return tuple(str(filled.get(name) or "").strip().lower() for name in ADDRESS_CORE)


# -- validation ----------------------------------------------------------------------------------
def _address_errors(
    address: Any, prefix: str, required: Iterable[str], *, partial: bool = False
) -> dict[str, str]:
    if not isinstance(address, dict):
        return {prefix.rstrip("."): "must be an object"}
    errors = dict.fromkeys(
        (f"{prefix}{k}" for k in sorted(set(address) - set(ADDRESS_TYPES) - {"country"})),
        "is not a valid field of an address",
    )
    errors.update(check_type(address, ADDRESS_TYPES, prefix=prefix))
    errors.update(
        check_enum(address, {"address_type": ("residential", "commercial")}, prefix=prefix)
    )
    if not partial:
        for name in required:
            if not address.get(name):
                errors[f"{prefix}{name}"] = f"{name} is required"
    code = address.get("country_code")
    if isinstance(code, str) and len(code) != 2:
        errors[f"{prefix}country_code"] = "country_code must be a 2-letter ISO 3166 code"
    return errors


def _customer_errors(
    store: Store, item: dict[str, Any], prefix: str, *, creating: bool
) -> dict[str, str]:
    allowed = set(CUSTOMER_TYPES) | ({"id"} if not creating else set())
    errors = dict.fromkeys(
        (f"{prefix}{k}" for k in sorted(set(item) - allowed)), "is not a valid field of a customer"
    )
    errors.update(check_type(item, CUSTOMER_TYPES, prefix=prefix))
    if errors:
        return errors
    if creating:
        for name in ("email", "first_name", "last_name"):
            if not item.get(name):
                errors[f"{prefix}{name}"] = f"{name} is required"
    for name, limit in MAX_LENGTHS.items():
        if isinstance(item.get(name), str) and len(item[name]) > limit:
            errors[f"{prefix}{name}"] = f"{name} must be at most {limit} characters"
    email = item.get("email")
    if isinstance(email, str) and email and ("@" not in email or email.startswith("@")):
        errors[f"{prefix}email"] = f"{email!r} is not a valid email address"
    group = item.get("customer_group_id")
    if group and store.collection("customer_groups").get(group) is None:
        errors[f"{prefix}customer_group_id"] = f"customer group {group} does not exist"
    if creating:
        addresses = item.get("addresses") or []
        if len(addresses) > 10:
            errors[f"{prefix}addresses"] = "a customer is created with at most 10 addresses"
        for i, address in enumerate(addresses):
            errors.update(
                _address_errors(address, f"{prefix}addresses[{i}].", EMBEDDED_ADDRESS_REQUIRED)
            )
    for i, credit in enumerate(item.get("store_credit_amounts") or []):
        if not isinstance(credit, dict) or not isinstance(credit.get("amount"), NUMBER):
            errors[f"{prefix}store_credit_amounts[{i}].amount"] = "amount must be a number"
    auth = item.get("authentication") or {}
    if "new_password" in auth and (
        not isinstance(auth["new_password"], str) or len(auth["new_password"]) < 7
    ):
        errors[f"{prefix}authentication.new_password"] = (
            "the password must be at least 7 characters"
        )
    return errors


def _email_clashes(store: Store, items: list[dict[str, Any]]) -> dict[str, str]:
    """422 messages for emails already used by another customer or twice in the batch."""
    errors: dict[str, str] = {}
    seen: dict[str, object] = {}
    coll = store.collection(CUSTOMERS)
    for index, item in enumerate(items):
        email = item.get("email")
        if not isinstance(email, str) or not email:
            continue
        key = email.lower()
        own = item.get("id", f"new #{index}")
        taken = [d for d in coll.lookup("email", key) if d["id"] != own]
        if taken or (key in seen and seen[key] != own):
            errors[f"[{index}].email"] = (
                f"The email {email!r} is already in use; emails must be unique"
            )
        seen[key] = own
    return errors


# -- rendering -----------------------------------------------------------------------------------
def _render_address(doc: Document) -> dict[str, Any]:
    return dict(doc)


def render(store: Store, doc: Document, wanted: set[str]) -> dict[str, Any]:
    """The customer as the API returns it, with the requested ``include`` parts."""
    out = {
        k: v
        for k, v in doc.items()
        if k
        not in (
            "attributes",
            "form_fields",
            "store_credit_amounts",
            "has_password",
            "shopper_profile_id",
            "segment_ids",
        )
    }
    addresses = store.collection(ADDRESSES).lookup("customer", doc["id"])
    out["address_count"] = len(addresses)
    out["attribute_count"] = len(doc.get("attributes", []))
    if "addresses" in wanted:
        out["addresses"] = [_render_address(a) for a in addresses]
    if "attributes" in wanted:
        out["attributes"] = list(doc.get("attributes", []))
    if "formfields" in wanted:
        out["form_fields"] = list(doc.get("form_fields", []))
    if "storecredit" in wanted:
        out["store_credit_amounts"] = list(doc.get("store_credit_amounts", []))
    if "shopper_profile_id" in wanted:
        out["shopper_profile_id"] = doc.get("shopper_profile_id", "")
    if "segment_ids" in wanted:
        out["segment_ids"] = list(doc.get("segment_ids", []))
    return out


def _attributes(customer_id: int, items: list[Any], now: str, start: int) -> list[dict[str, Any]]:
    return [
        {
            "attribute_id": a.get("attribute_id"),
            "attribute_value": str(a.get("attribute_value", "")),
            "customer_id": customer_id,
            "date_created": now,
            "date_modified": now,
            "id": start + i,
        }
        for i, a in enumerate(items)
        if isinstance(a, dict)
    ]


def _new_address(store: Store, customer_id: int, address: dict[str, Any]) -> Document:
    coll = store.collection(ADDRESSES)
    code = str(address.get("country_code", "")).upper()
    doc: dict[str, Any] = {
        "first_name": "",
        "last_name": "",
        "company": "",
        "address1": "",
        "address2": "",
        "city": "",
        "state_or_province": "",
        "postal_code": "",
        "country_code": code,
        "phone": "",
        "address_type": "residential",
        "form_fields": [],
    }
    doc.update({k: v for k, v in address.items() if k in ADDRESS_TYPES and k != "id"})
    doc["country_code"] = code
    doc["country"] = COUNTRIES.get(code, code)
    doc["customer_id"] = customer_id
    doc["id"] = coll.new_id()
    return coll.save(doc)


# -- customers -----------------------------------------------------------------------------------
def _full_name(doc: Document) -> str:
    return f"{doc['first_name']} {doc['last_name']}"


_FIELDS: dict[str, Filterable | Predicate] = {
    "id": Filterable("int"),
    "email": Filterable("str", casefold=True),
    "name": Filterable("str", read=_full_name, casefold=True, like_any=True),
    "company": Filterable("str", casefold=True),
    "customer_group_id": Filterable("int"),
    "phone": Filterable("str"),
    "registration_ip_address": Filterable("str"),
    "date_created": Filterable("date"),
    "date_modified": Filterable("date"),
}
LIST_FILTERS = FilterSet(
    _FIELDS,
    filters=(
        "id:in",
        "company:in",
        "customer_group_id:in",
        *DATE_FILTERS,
        "email:in",
        "name:in",
        "name:like",
        "phone:in",
        "registration_ip_address:in",
    ),
    options=(*PAGING, "include", "sort", "after", "before"),
)
DELETE_FILTERS = FilterSet(_FIELDS, filters=("id:in",), options=())


@api.route("GET", "/v3/customers", filters=LIST_FILTERS)
async def list_customers(request: Request, store: Store) -> Response:
    coll = store.collection(CUSTOMERS)
    params = request.query_params
    ids = int_list_param(request, "id:in")
    emails = csv_param(request, "email:in")
    groups = int_list_param(request, "customer_group_id:in")
    if emails is not None:
        docs = [d for e in emails for d in coll.lookup("email", e.lower())]
    elif ids is not None:
        docs = [d for d in (coll.get(i) for i in ids) if d is not None]
    elif groups is not None:
        docs = [d for g in groups for d in coll.lookup("group", g)]
    else:
        docs = list(coll)
    docs = LIST_FILTERS.apply(request, docs)
    sort = params.get("sort")
    if sort is not None:
        if sort not in SORTS:
            raise ApiProblem(422, "Invalid query parameter", {"sort": f"one of {', '.join(SORTS)}"})
        field, reverse = SORTS[sort]
        docs = sorted(docs, key=lambda d: (str(d[field]).lower(), d["id"]), reverse=reverse)
    elif emails is not None or groups is not None:
        docs = sorted({d["id"]: d for d in docs}.values(), key=lambda d: d["id"])
    wanted_parts = includes(request)
    if "after" in params or "before" in params:
        return _cursor_page(docs, request, lambda d: render(store, d, wanted_parts))
    chunk, meta = paginate(docs, request)
    # Offset pages also carry their cursors, so a client can switch to ``after=``.
    meta["cursor_pagination"] = _cursor_meta(chunk, docs, meta["pagination"]["per_page"])
    return json_response({"data": [render(store, d, wanted_parts) for d in chunk], "meta": meta})


def _cursor(doc: Document) -> str:
    return base64.urlsafe_b64encode(f"customer:{doc['id']}".encode()).decode().rstrip("=")


def _decode_cursor(raw: str, name: str) -> int:
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
        kind, _, ident = text.partition(":")
        if kind != "customer":
            raise ValueError(text)
        return int(ident)
    except (ValueError, UnicodeDecodeError):
        raise ApiProblem(422, "Invalid cursor", {name: f"{raw!r} is not a cursor"}) from None


def _cursor_page(
    docs: list[Document], request: Request, render_one: Callable[[Document], Any]
) -> Response:
    """Cursor pagination (``after``/``before``): the page after or before a customer."""
    _, limit = page_and_limit(request)
    params = request.query_params
    position = {d["id"]: i for i, d in enumerate(docs)}
    if "after" in params:
        anchor = _decode_cursor(params["after"], "after")
        start = position.get(anchor, -1) + 1 if anchor in position else _first_after(docs, anchor)
        chunk = docs[start : start + limit]
    else:
        anchor = _decode_cursor(params["before"], "before")
        end = position[anchor] if anchor in position else _first_after(docs, anchor)
        chunk = docs[max(0, end - limit) : end]
    meta = {"cursor_pagination": _cursor_meta(chunk, docs, limit)}
    return json_response({"data": [render_one(d) for d in chunk], "meta": meta})


def _cursor_meta(chunk: list[Document], docs: list[Document], limit: int) -> dict[str, Any]:
    links: dict[str, str] = {}
    if chunk:
        if chunk[-1] is not docs[-1]:
            links["next"] = f"?after={_cursor(chunk[-1])}&limit={limit}"
        if chunk[0] is not docs[0]:
            links["previous"] = f"?before={_cursor(chunk[0])}&limit={limit}"
    return {
        "count": len(chunk),
        "per_page": limit,
        "start_cursor": _cursor(chunk[0]) if chunk else "",
        "end_cursor": _cursor(chunk[-1]) if chunk else "",
        "links": links,
    }


def _first_after(docs: list[Document], anchor: int) -> int:
    """Where a deleted customer ``anchor`` would have been (lists are in id order)."""
    return next((i for i, d in enumerate(docs) if d["id"] > anchor), len(docs))


@api.route("POST", "/v3/customers")
async def create_customers(request: Request, store: Store) -> Response:
    items = await read_array(request, max_items=MAX_BATCH)
    if not items:
        raise ApiProblem(422, INVALID, {"body": "expected at least one customer"})
    errors: dict[str, str] = {}
    for index, item in enumerate(items):
        errors.update(_customer_errors(store, item, f"[{index}].", creating=True))
    errors.update(_email_clashes(store, items))
    if errors:
        raise ApiProblem(422, INVALID, errors)
    coll = store.collection(CUSTOMERS)
    now = now_iso()
    created: list[Document] = []
    for item in items:
        customer_id = coll.new_id()
        auth = item.get("authentication") or {}
        doc: dict[str, Any] = {
            "email": item["email"],
            "first_name": item["first_name"],
            "last_name": item["last_name"],
            "company": item.get("company", ""),
            "phone": item.get("phone", ""),
            "registration_ip_address": item.get("registration_ip_address", ""),
            "notes": item.get("notes", ""),
            "tax_exempt_category": item.get("tax_exempt_category", ""),
            "customer_group_id": item.get("customer_group_id", 0),
            "id": customer_id,
            "date_modified": now,
            "date_created": now,
            "authentication": {
                "force_password_reset": bool(auth.get("force_password_reset", False))
            },
            "accepts_product_review_abandoned_cart_emails": item.get(
                "accepts_product_review_abandoned_cart_emails", False
            ),
            "origin_channel_id": item.get("origin_channel_id", 1),
            "channel_ids": item.get("channel_ids", [1]),
            "attributes": _attributes(customer_id, item.get("attributes") or [], now, 1),
            "form_fields": [
                {**f, "customer_id": customer_id} for f in item.get("form_fields") or []
            ],
            "store_credit_amounts": item.get("store_credit_amounts") or [{"amount": 0}],
            "has_password": "new_password" in auth,
        }
        coll.save(doc)
        seen: set[tuple[Any, ...]] = set()
        for address in item.get("addresses") or []:
            key = address_key({**address, "customer_id": customer_id})
            if key not in seen:
                seen.add(key)
                _new_address(store, customer_id, address)
        created.append(doc)
    data = [
        render(store, d, {"addresses", "attributes", "storecredit", "formfields"}) for d in created
    ]
    return json_response({"data": data, "meta": {}})


@api.route("PUT", "/v3/customers", concurrency=3)
async def update_customers(request: Request, store: Store) -> Response:
    items = await read_array(request, max_items=MAX_BATCH)
    coll = store.collection(CUSTOMERS)
    errors: dict[str, str] = {}
    for index, item in enumerate(items):
        prefix = f"[{index}]."
        customer_id = item.get("id")
        if not isinstance(customer_id, int) or isinstance(customer_id, bool):
            errors[f"{prefix}id"] = "id is required"
            continue
        if coll.get(customer_id) is None:
            errors[f"{prefix}id"] = f"customer {customer_id} does not exist"
            continue
        if "addresses" in item:
            errors[f"{prefix}addresses"] = "update addresses through /v3/customers/addresses"
        errors.update(_customer_errors(store, item, prefix, creating=False))
        for name in ("email", "first_name", "last_name"):
            if name in item and not item[name]:
                errors[f"{prefix}{name}"] = f"{name} must not be empty"
    if not errors:
        errors.update(_email_clashes(store, items))
    if errors:
        raise ApiProblem(422, INVALID, errors)
    now = now_iso()
    updated: list[Document] = []
    for item in items:
        current = coll.get(item["id"])
        assert current is not None
        doc = dict(current)
        for name, value in item.items():
            if name in ("id", "addresses", "trigger_account_created_notification"):
                continue
            if name == "authentication":
                doc["authentication"] = {
                    "force_password_reset": bool(
                        value.get(
                            "force_password_reset",
                            current["authentication"]["force_password_reset"],
                        )
                    )
                }
                doc["has_password"] = current.get("has_password") or "new_password" in value
            elif name == "attributes":
                doc["attributes"] = _attributes(doc["id"], value, now, 1)
            elif name == "form_fields":
                doc["form_fields"] = [{**f, "customer_id": doc["id"]} for f in value]
            else:
                doc[name] = value
        doc["date_modified"] = now
        updated.append(coll.save(doc))
    data = [
        render(store, d, {"addresses", "attributes", "storecredit", "formfields"}) for d in updated
    ]
    return json_response({"data": data, "meta": {}})


@api.route("DELETE", "/v3/customers", filters=DELETE_FILTERS)
async def delete_customers(request: Request, store: Store) -> Response:
    DELETE_FILTERS.check(request)
    ids = int_list_param(request, "id:in")
    if not ids:
        return empty(204)  # as BigCommerce: no filter, nothing deleted
    coll = store.collection(CUSTOMERS)
    for customer_id in ids:
        if coll.get(customer_id) is None:
            continue
        for address in store.collection(ADDRESSES).lookup("customer", customer_id):
            store.collection(ADDRESSES).delete(address["id"])
        coll.delete(customer_id)
    return empty(204)


# -- addresses -----------------------------------------------------------------------------------
_ADDRESS_FIELDS: dict[str, Filterable | Predicate] = {
    "id": Filterable("int"),
    "customer_id": Filterable("int"),
    "company": Filterable("str", casefold=True),
    "name": Filterable("str", read=_full_name, casefold=True),
}
ADDRESS_FILTERS = FilterSet(
    _ADDRESS_FIELDS,
    filters=("company:in", "name:in", "customer_id:in", "id:in"),
    options=(*PAGING, "include"),
)
ADDRESS_DELETE_FILTERS = FilterSet(_ADDRESS_FIELDS, filters=("id:in",), options=())


@api.route("GET", "/v3/customers/addresses", filters=ADDRESS_FILTERS)
async def list_addresses(request: Request, store: Store) -> Response:
    coll = store.collection(ADDRESSES)
    customers = int_list_param(request, "customer_id:in")
    ids = int_list_param(request, "id:in")
    if customers is not None:
        docs = sorted(
            (d for c in customers for d in coll.lookup("customer", c)), key=lambda d: d["id"]
        )
    elif ids is not None:
        docs = [d for d in (coll.get(i) for i in ids) if d is not None]
    else:
        docs = list(coll)
    return list_response(ADDRESS_FILTERS.apply(request, docs), request, render=_render_address)


def _existing_keys(store: Store, customer_id: int, skip: int | None = None) -> set[tuple[Any, ...]]:
    return {
        address_key(a)
        for a in store.collection(ADDRESSES).lookup("customer", customer_id)
        if a["id"] != skip
    }


@api.route("POST", "/v3/customers/addresses")
async def create_addresses(request: Request, store: Store) -> Response:
    items = await read_array(request)
    errors: dict[str, str] = {}
    for index, item in enumerate(items):
        prefix = f"[{index}]."
        errors.update(_address_errors(item, prefix, (*ADDRESS_REQUIRED, "customer_id")))
        if "id" in item:
            errors[f"{prefix}id"] = "id is assigned by the store"
        customer_id = item.get("customer_id")
        if isinstance(customer_id, int) and store.collection(CUSTOMERS).get(customer_id) is None:
            errors[f"{prefix}customer_id"] = f"customer {customer_id} does not exist"
    if errors:
        raise ApiProblem(422, INVALID, errors)
    created: list[Document] = []
    taken: dict[int, set[tuple[Any, ...]]] = {}
    for item in items:
        customer_id = item["customer_id"]
        keys = taken.setdefault(customer_id, _existing_keys(store, customer_id))
        key = address_key(item)
        if key in keys:
            continue  # "will result in no change ... and the address will be absent"
        keys.add(key)
        created.append(_new_address(store, customer_id, item))
        _touch(store, customer_id)
    return list_response(created, request, render=_render_address)


@api.route("PUT", "/v3/customers/addresses")
async def update_addresses(request: Request, store: Store) -> Response:
    items = await read_array(request)
    coll = store.collection(ADDRESSES)
    errors: dict[str, str] = {}
    for index, item in enumerate(items):
        prefix = f"[{index}]."
        address_id = item.get("id")
        if not isinstance(address_id, int) or coll.get(address_id) is None:
            errors[f"{prefix}id"] = "id must name an existing address"
            continue
        errors.update(_address_errors(item, prefix, (), partial=True))
        for name in ADDRESS_REQUIRED:
            if name in item and not item[name]:
                errors[f"{prefix}{name}"] = f"{name} must not be empty"
        if "customer_id" in item and item["customer_id"] != coll.get(address_id)["customer_id"]:  # type: ignore[index]
            errors[f"{prefix}customer_id"] = "an address cannot move to another customer"
    if errors:
        raise ApiProblem(422, INVALID, errors)
    updated: list[Document] = []
    for item in items:
        current = coll.get(item["id"])
        assert current is not None
        merged = {**current, **{k: v for k, v in item.items() if k in ADDRESS_TYPES}}
        if "country_code" in item:
            merged["country_code"] = str(item["country_code"]).upper()
            merged["country"] = COUNTRIES.get(merged["country_code"], merged["country_code"])
        if address_key(merged) in _existing_keys(store, current["customer_id"], skip=current["id"]):
            continue  # identical to another address: no change, absent from the response
        updated.append(coll.save(merged))
        _touch(store, current["customer_id"])
    return list_response(updated, request, render=_render_address)


@api.route("DELETE", "/v3/customers/addresses", filters=ADDRESS_DELETE_FILTERS)
async def delete_addresses(request: Request, store: Store) -> Response:
    ADDRESS_DELETE_FILTERS.check(request)
    ids = int_list_param(request, "id:in")
    if not ids:
        raise ApiProblem(422, INVALID, {"id:in": "id:in is required"})
    coll = store.collection(ADDRESSES)
    for address_id in ids:
        doc = coll.delete(address_id)
        if doc is not None:
            _touch(store, doc["customer_id"])
    return empty(204)


def _touch(store: Store, customer_id: int) -> None:
    coll = store.collection(CUSTOMERS)
    doc = coll.get(customer_id)
    if doc is not None:
        coll.save({**doc, "date_modified": now_iso()})
