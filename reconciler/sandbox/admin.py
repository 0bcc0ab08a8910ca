"""The sandbox's own admin API under ``/_sandbox/`` (not part of BigCommerce's API).

Served by ``sandbox serve``, every route but the image CDN needs ``Authorization: Bearer
<admin token>`` (see :mod:`reconciler.sandbox.guard`); in process it needs nothing.

* ``GET  /_sandbox/stores``: list store hashes
* ``POST /_sandbox/stores``: ``{"store_hash", "name"?}`` create a store (idempotent)
* ``DELETE /_sandbox/stores/{hash}``: delete a store and all its data
* ``POST /_sandbox/stores/{hash}/tokens``: ``{"token", "scopes": "*" | {scope: read|modify},
  "client_id"?}`` (``client_id`` names the API account: scripts and webhooks one account
  creates are invisible to another)
* ``GET  /_sandbox/stores/{hash}/requests[?since=N]``: the request log
  ``{"data": [{method, path, status}], "meta": {"cursor": M}}``: entries after cursor ``N``
  (all without it); pass the answered ``M`` as the next ``since`` to read only newer ones.
  Status 0 means no answer was sent (injected timeout or drop)
* ``DELETE /_sandbox/stores/{hash}/requests``: clear the request log (cursors stay valid)
* ``GET  /_sandbox/stores/{hash}/settings``: ``{"data": {"rate_limit": {quota, window_ms},
  "faults": {latency_ms, jitter_ms, error_rate, error_status, timeout_rate, drop_rate,
  stall_ms}, "seed"}}`` (see :mod:`reconciler.sandbox.settings`)
* ``PUT  /_sandbox/stores/{hash}/settings``: merge the given fields into the settings
  (``{"rate_limit": {"quota": 150}}`` keeps ``window_ms``); 422 naming a bad field
* ``DELETE /_sandbox/stores/{hash}/settings``: back to defaults, scripted failures removed
* ``GET  /_sandbox/stores/{hash}/failures``: the scripted failures ``{"data": [...]}``
* ``POST /_sandbox/stores/{hash}/failures``: ``{"status", "method"?, "path"?, "sku"?,
  "product_id"?, "body"?, "count"?}`` add one (201 with its ``id``)
* ``DELETE /_sandbox/stores/{hash}/failures[/{id}]``: remove all scripted failures, or one
* ``POST /_sandbox/stores/{hash}/reset``: delete the store's data (ids restart at 1); its
  tokens, store information and settings stay
* ``GET  /_sandbox/stores/{hash}/cdn/{key}/{size}``: an uploaded product image's bytes
  (what the images' ``url_*`` fields point to; see ``resources/catalog_images.py``)
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router

from reconciler.errors import ConfigError
from reconciler.sandbox.http import ApiProblem, empty, int_param, json_response
from reconciler.sandbox.requestlog import RequestLog
from reconciler.sandbox.settings import (
    add_failure,
    clear_failures,
    list_failures,
    read_settings,
    reset_settings,
    update_settings,
)
from reconciler.sandbox.storage import SandboxDB, Store
from reconciler.sandbox.stores import DEFAULT_CLIENT_ID, add_token, create_store


def build_admin_app(db: SandboxDB, request_log: RequestLog) -> Router:
    def store_of(request: Request) -> Store:
        store_hash = request.path_params["store_hash"]
        db.refresh()
        if not db.has_store(store_hash):
            raise ApiProblem(404, "Store not found", {"store_hash": store_hash})
        return db.store(store_hash)

    async def body_of(request: Request) -> dict[str, Any]:
        try:
            body = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError as error:
            raise ApiProblem(400, "Input is invalid", {"body": str(error)}) from None
        if not isinstance(body, dict):
            raise ApiProblem(422, "Input is invalid", {"body": "expected a JSON object"})
        return body

    def guarded(handler: Any) -> Any:
        async def call(request: Request) -> Response:
            try:
                response: Response = await handler(request)
                return response
            except ApiProblem as problem:
                return json_response(problem.body(), problem.status)
            except ConfigError as error:
                return json_response(
                    ApiProblem(422, "Input is invalid", {"body": error.message}).body(), 422
                )

        return call

    async def list_stores(request: Request) -> Response:
        db.refresh()
        return json_response({"data": db.store_hashes()})

    async def post_store(request: Request) -> Response:
        body = await body_of(request)
        store_hash = body.get("store_hash")
        if not isinstance(store_hash, str) or not store_hash.replace("-", "").isalnum():
            raise ApiProblem(
                422, "Input is invalid", {"store_hash": "letters, digits and '-' only"}
            )
        store = create_store(db, store_hash, name=body.get("name"))
        return json_response({"data": {"store_hash": store.hash}}, 201)

    async def delete_store(request: Request) -> Response:
        store = store_of(request)
        db.delete_store(store.hash)
        request_log.clear(store.hash)
        return empty(204)

    async def post_token(request: Request) -> Response:
        store = store_of(request)
        body = await body_of(request)
        token, scopes = body.get("token"), body.get("scopes", "*")
        client_id = body.get("client_id", DEFAULT_CLIENT_ID)
        if not isinstance(token, str) or not token:
            raise ApiProblem(422, "Input is invalid", {"token": "required"})
        if not isinstance(client_id, str) or not client_id:
            raise ApiProblem(422, "Input is invalid", {"client_id": "a non-empty string"})
        if scopes != "*" and not (
            isinstance(scopes, dict) and all(v in ("read", "modify") for v in scopes.values())
        ):
            raise ApiProblem(422, "Input is invalid", {"scopes": "'*' or {scope: read|modify}"})
        add_token(db, store.hash, token, scopes, client_id=client_id)
        return json_response({"data": {"token": token}}, 201)

    async def get_requests(request: Request) -> Response:
        store = store_of(request)
        since = int_param(request, "since", 0, minimum=0)
        cursor = request_log.cursor(store.hash)
        entries = request_log.entries(store.hash, since)
        return json_response({"data": [e.as_dict() for e in entries], "meta": {"cursor": cursor}})

    async def delete_requests(request: Request) -> Response:
        store = store_of(request)
        request_log.clear(store.hash)
        return empty(204)

    async def get_settings(request: Request) -> Response:
        return json_response({"data": read_settings(store_of(request)).model_dump()})

    async def put_settings(request: Request) -> Response:
        store = store_of(request)
        settings = update_settings(db, store.hash, await body_of(request))
        return json_response({"data": settings.model_dump()})

    async def delete_settings(request: Request) -> Response:
        reset_settings(db, store_of(request).hash)
        return empty(204)

    async def get_failures(request: Request) -> Response:
        failures = list_failures(store_of(request))
        return json_response({"data": [f.model_dump() for f in failures]})

    async def post_failure(request: Request) -> Response:
        store = store_of(request)
        failure = add_failure(db, store.hash, await body_of(request))
        return json_response({"data": failure.model_dump()}, 201)

    async def delete_failures(request: Request) -> Response:
        store = store_of(request)
        failure_id = request.path_params.get("failure_id")
        removed = clear_failures(db, store.hash, failure_id)
        if failure_id is not None and not removed:
            raise ApiProblem(404, "Scripted failure not found", {"id": str(failure_id)})
        return empty(204)

    async def reset_store(request: Request) -> Response:
        store = store_of(request)
        db.clear_store(store.hash)
        return empty(204)

    async def get_image_file(request: Request) -> Response:
        from reconciler.sandbox.resources.catalog_images import image_file_response

        return image_file_response(store_of(request), request.path_params["key"])

    routes = [
        Route("/_sandbox/stores/{store_hash}/cdn/{key}/{size}", guarded(get_image_file)),
        Route("/_sandbox/stores", guarded(list_stores), methods=["GET"]),
        Route("/_sandbox/stores", guarded(post_store), methods=["POST"]),
        Route("/_sandbox/stores/{store_hash}", guarded(delete_store), methods=["DELETE"]),
        Route("/_sandbox/stores/{store_hash}/tokens", guarded(post_token), methods=["POST"]),
        Route("/_sandbox/stores/{store_hash}/requests", guarded(get_requests), methods=["GET"]),
        Route(
            "/_sandbox/stores/{store_hash}/requests", guarded(delete_requests), methods=["DELETE"]
        ),
        Route("/_sandbox/stores/{store_hash}/settings", guarded(get_settings), methods=["GET"]),
        Route("/_sandbox/stores/{store_hash}/settings", guarded(put_settings), methods=["PUT"]),
        Route(
            "/_sandbox/stores/{store_hash}/settings", guarded(delete_settings), methods=["DELETE"]
        ),
        Route("/_sandbox/stores/{store_hash}/failures", guarded(get_failures), methods=["GET"]),
        Route("/_sandbox/stores/{store_hash}/failures", guarded(post_failure), methods=["POST"]),
        Route(
            "/_sandbox/stores/{store_hash}/failures", guarded(delete_failures), methods=["DELETE"]
        ),
        Route(
            "/_sandbox/stores/{store_hash}/failures/{failure_id:int}",
            guarded(delete_failures),
            methods=["DELETE"],
        ),
        Route("/_sandbox/stores/{store_hash}/reset", guarded(reset_store), methods=["POST"]),
    ]
    return Router(routes=routes)
