"""The sandbox's own admin API under ``/_sandbox/`` (not part of BigCommerce's API).

* ``GET  /_sandbox/stores``: list store hashes
* ``POST /_sandbox/stores``: ``{"store_hash", "name"?}`` create a store (idempotent)
* ``DELETE /_sandbox/stores/{hash}``: delete a store and all its data
* ``POST /_sandbox/stores/{hash}/tokens``: ``{"token", "scopes": "*" | {scope: read|modify}}``
* ``GET  /_sandbox/stores/{hash}/requests``: the request log ``{"data": [{method, path, status}]}``
* ``DELETE /_sandbox/stores/{hash}/requests``: clear the request log
"""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router

from reconciler.sandbox.http import ApiProblem, empty, json_response
from reconciler.sandbox.requestlog import RequestLog
from reconciler.sandbox.storage import SandboxDB, Store
from reconciler.sandbox.stores import add_token, create_store


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
        if not isinstance(token, str) or not token:
            raise ApiProblem(422, "Input is invalid", {"token": "required"})
        if scopes != "*" and not (
            isinstance(scopes, dict) and all(v in ("read", "modify") for v in scopes.values())
        ):
            raise ApiProblem(422, "Input is invalid", {"scopes": "'*' or {scope: read|modify}"})
        add_token(db, store.hash, token, scopes)
        return json_response({"data": {"token": token}}, 201)

    async def get_requests(request: Request) -> Response:
        store = store_of(request)
        return json_response({"data": [e.as_dict() for e in request_log.entries(store.hash)]})

    async def delete_requests(request: Request) -> Response:
        store = store_of(request)
        request_log.clear(store.hash)
        return empty(204)

    routes = [
        Route("/_sandbox/stores", guarded(list_stores), methods=["GET"]),
        Route("/_sandbox/stores", guarded(post_store), methods=["POST"]),
        Route("/_sandbox/stores/{store_hash}", guarded(delete_store), methods=["DELETE"]),
        Route("/_sandbox/stores/{store_hash}/tokens", guarded(post_token), methods=["POST"]),
        Route("/_sandbox/stores/{store_hash}/requests", guarded(get_requests), methods=["GET"]),
        Route(
            "/_sandbox/stores/{store_hash}/requests", guarded(delete_requests), methods=["DELETE"]
        ),
    ]
    return Router(routes=routes)
