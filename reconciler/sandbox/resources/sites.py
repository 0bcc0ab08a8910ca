"""Sites V3 (sites.v3.yml): ``GET /v3/sites`` and ``GET /v3/sites/{site_id}``.

Every store has the site of its default storefront (channel 1): its id is the store's
``default_site_id`` and its URL the store's ``secure_url``, as ``GET /v2/store`` reports.
Other modules resolve site ids and URLs through :func:`site` and :func:`site_url`.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import ApiProblem, int_list_param, json_response, page_and_limit
from reconciler.sandbox.storage import Store

api = Api(scope="store_sites")


def sites(store: Store) -> list[dict[str, Any]]:
    """The store's sites (the default storefront's site), in id order."""
    info = store.meta.get("info", {})
    created = str(info.get("created_at", "2026-01-01T00:00:00+00:00"))
    url = str(info.get("secure_url", f"https://{store.hash}.example.com"))
    return [
        {
            "id": int(info.get("default_site_id", 1000)),
            "url": url,
            "channel_id": int(info.get("default_channel_id", 1)),
            "created_at": created,
            "updated_at": created,
            "ssl_status": "shared",
            "urls": [
                {"url": url, "type": "primary", "created_at": created, "updated_at": created},
                {"url": url, "type": "canonical", "created_at": created, "updated_at": created},
                {"url": url, "type": "checkout", "created_at": created, "updated_at": created},
            ],
            "is_checkout_url_customized": False,
        }
    ]


def site(store: Store, site_id: int) -> dict[str, Any] | None:
    return next((s for s in sites(store) if s["id"] == site_id), None)


def site_url(store: Store, site_id: int) -> str:
    """The primary URL of ``site_id`` (no trailing slash), or the store's when unknown."""
    found = site(store, site_id) or sites(store)[0]
    return str(found["url"]).rstrip("/")


@api.route("GET", "/v3/sites")
async def list_sites(request: Request, store: Store) -> Response:
    found = sites(store)
    channels = int_list_param(request, "channel_id:in")
    if channels is not None:
        found = [s for s in found if s["channel_id"] in channels]
    url_types = request.query_params.get("url_type:in")
    if url_types:
        wanted = set(url_types.split(","))
        found = [{**s, "urls": [u for u in s["urls"] if u["type"] in wanted]} for s in found]
    page, limit = page_and_limit(request)
    chunk = found[(page - 1) * limit : page * limit]
    meta = {"pagination": {"offset": (page - 1) * limit, "limit": limit, "total_items": len(found)}}
    return json_response({"data": chunk, "meta": meta})


@api.route("GET", "/v3/sites/{site_id:int}")
async def get_site(request: Request, store: Store) -> Response:
    found = site(store, request.path_params["site_id"])
    if found is None:
        raise ApiProblem(404, "Site not found", {"site_id": "no site with this id"})
    return json_response({"data": found, "meta": {}})
