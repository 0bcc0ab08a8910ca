"""Channels V3 (channels.v3.yml): ``GET /v3/channels``, ``GET /v3/channels/{id}``,
``GET /v3/channels/{id}/site`` and ``GET /v3/channels/{id}/active-theme``.

Channel 1, the default Stencil storefront, exists in every store; the sandbox serves no
other channel (creating channels is not part of what StagingPro manages). The active
theme of a channel is kept by :mod:`reconciler.sandbox.resources.themes`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import ApiProblem, csv_param, includes, json_response, list_response
from reconciler.sandbox.resources._support import bool_param
from reconciler.sandbox.storage import Store

api = Api(scope="store_channel_settings")

DEFAULT_CHANNEL_ID = 1


def channels(store: Store) -> list[dict[str, Any]]:
    """The store's channels, in id order."""
    info = store.meta.get("info", {})
    created = str(info.get("created_at", "2026-01-01T00:00:00+00:00"))
    return [
        {
            "id": DEFAULT_CHANNEL_ID,
            "external_id": "",
            "is_listable_from_ui": True,
            "is_enabled": True,
            "is_visible": True,
            "status": "active",
            "name": str(info.get("name", store.hash)),
            "type": "storefront",
            "platform": "bigcommerce",
            "date_created": created,
            "date_modified": created,
            "icon_url": "https://s3.amazonaws.com/bc-channel-icons/bigcommerce.svg",
        }
    ]


def channel(store: Store, channel_id: int) -> dict[str, Any] | None:
    return next((c for c in channels(store) if c["id"] == channel_id), None)


def _with_currencies(store: Store, found: dict[str, Any]) -> dict[str, Any]:
    currency = str(store.meta.get("info", {}).get("currency", "USD"))
    return {
        **found,
        "currencies": {
            "channel_id": found["id"],
            "enabled_currencies": [currency],
            "default_currency": currency,
        },
    }


def _not_found(channel_id: int) -> ApiProblem:
    return ApiProblem(404, "Channel not found", {"channel_id": f"no channel with id {channel_id}"})


def _existing(store: Store, channel_id: int) -> dict[str, Any]:
    """The channel ``channel_id``, or the 404 BigCommerce answers for an unknown one."""
    found = channel(store, channel_id)
    if found is None:
        raise _not_found(channel_id)
    return found


@api.route("GET", "/v3/channels")
async def list_channels(request: Request, store: Store) -> Response:
    found = channels(store)
    available = bool_param(request, "available")
    if available is not None:
        found = [c for c in found if (c["status"] != "deleted") is available]
    for name, field in (("status:in", "status"), ("type:in", "type"), ("platform:in", "platform")):
        wanted = csv_param(request, name)
        if wanted is not None:
            found = [c for c in found if c[field] in wanted]
    if "currencies" in includes(request):
        found = [_with_currencies(store, c) for c in found]
    return list_response(found, request)


@api.route("GET", "/v3/channels/{channel_id:int}")
async def get_channel(request: Request, store: Store) -> Response:
    found = _existing(store, request.path_params["channel_id"])
    return json_response({"data": _with_currencies(store, found), "meta": {}})


@api.route("GET", "/v3/channels/{channel_id:int}/active-theme")
async def get_active_theme(request: Request, store: Store) -> Response:
    channel_id = _existing(store, request.path_params["channel_id"])["id"]
    # Imported here: the themes module itself asks this one which channels exist.
    from reconciler.sandbox.resources.themes import active_theme

    return json_response({"data": active_theme(store, channel_id), "meta": {}})


@api.route("GET", "/v3/channels/{channel_id:int}/site")
async def get_channel_site(request: Request, store: Store) -> Response:
    from reconciler.sandbox.resources.sites import sites

    channel_id = _existing(store, request.path_params["channel_id"])["id"]
    found = next((s for s in sites(store) if s["channel_id"] == channel_id), None)
    if found is None:
        raise ApiProblem(404, "Site not found", {"channel_id": "this channel has no site"})
    return json_response({"data": found, "meta": {}})
