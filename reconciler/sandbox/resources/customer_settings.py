"""Customer global settings (customers.v3.yml): ``/v3/customers/settings``.

``GET`` answers ``{privacy_settings: {ask_shopper_for_tracking_consent, policy_url},
customer_group_settings: {guest_customer_group_id, default_customer_group_id}}`` (a new
store: no consent prompt, no policy URL, no groups: ``0``). ``PUT`` merges the given fields
of each section and answers the whole object; a field of the wrong type, an unknown field or
a customer group that does not exist is a 422 naming it, and nothing is changed.

The per-channel overrides (``/customers/settings/channels/{channel_id}``) are not served.
"""

from __future__ import annotations

import copy
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import ApiProblem, json_response, read_object
from reconciler.sandbox.resources._support import check_type
from reconciler.sandbox.resources.customer_groups import COLLECTION as GROUPS
from reconciler.sandbox.storage import Store

api = Api(scope="store_v2_customers")

META_KEY = "customer_settings"
DEFAULTS: dict[str, dict[str, Any]] = {
    "privacy_settings": {"ask_shopper_for_tracking_consent": False, "policy_url": ""},
    "customer_group_settings": {"guest_customer_group_id": 0, "default_customer_group_id": 0},
}
TYPES: dict[str, dict[str, type | tuple[type, ...]]] = {
    "privacy_settings": {"ask_shopper_for_tracking_consent": bool, "policy_url": str},
    "customer_group_settings": {"guest_customer_group_id": int, "default_customer_group_id": int},
}
INVALID = "JSON data is missing or invalid"


def customer_settings(store: Store) -> dict[str, dict[str, Any]]:
    """The store's global customer settings (defaults where never set)."""
    saved: dict[str, dict[str, Any]] = store.meta.get(META_KEY) or {}
    return {section: {**DEFAULTS[section], **saved.get(section, {})} for section in DEFAULTS}


def _errors(store: Store, body: dict[str, Any]) -> dict[str, str]:
    errors = {name: "is not a customer settings section" for name in body if name not in TYPES}
    for section, fields in TYPES.items():
        given = body.get(section)
        if given is None:
            continue
        if not isinstance(given, dict):
            errors[section] = "must be an object"
            continue
        errors.update(check_type(given, fields, prefix=f"{section}."))
        errors.update(
            {
                f"{section}.{name}": "is not a field of this section"
                for name in given
                if name not in fields
            }
        )
    groups = body.get("customer_group_settings")
    if isinstance(groups, dict):
        for name in TYPES["customer_group_settings"]:
            group_id = groups.get(name)
            key = f"customer_group_settings.{name}"
            unknown = (
                isinstance(group_id, int)
                and key not in errors
                and group_id != 0
                and store.collection(GROUPS).get(group_id) is None
            )
            if unknown:
                errors[key] = f"customer group {group_id} does not exist"
    return errors


@api.route("GET", "/v3/customers/settings")
async def get_settings(request: Request, store: Store) -> Response:
    return json_response({"data": customer_settings(store), "meta": {}})


@api.route("PUT", "/v3/customers/settings")
async def put_settings(request: Request, store: Store) -> Response:
    body = await read_object(request)
    errors = _errors(store, body)
    if errors:
        raise ApiProblem(422, INVALID, errors)
    merged = copy.deepcopy(customer_settings(store))
    for section in TYPES:
        merged[section].update(body.get(section) or {})
    store.set_meta(META_KEY, merged)
    return json_response({"data": merged, "meta": {}})
