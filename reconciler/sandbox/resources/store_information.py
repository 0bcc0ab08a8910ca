"""Store information V2: ``GET /v2/store`` and ``GET /v2/time`` (store_information.v2.yml)."""

from __future__ import annotations

import time

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.api import Api
from reconciler.sandbox.http import json_response
from reconciler.sandbox.storage import Store

api = Api(scope="store_v2_information")


@api.route("GET", "/v2/store")
async def get_store(request: Request, store: Store) -> Response:
    # The store is served where its API is: its storefront paths (stencil-cli's
    # store-hash lookup, theme downloads) answer on the same host.
    host = request.headers.get("host", "localhost")
    return json_response(
        {**store.meta["info"], "secure_url": f"{request.url.scheme}://{host}", "domain": host}
    )


@api.route("GET", "/v2/time")
async def get_time(request: Request, store: Store) -> Response:
    return json_response({"time": int(time.time())})
