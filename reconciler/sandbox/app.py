"""The sandbox ASGI application: BigCommerce's side of the wire.

Request pipeline for ``/stores/{store_hash}/v2|v3/...``:

1. pick up changes another process wrote to the SQLite file;
2. resolve the store (404 for an unknown store hash, as BigCommerce answers);
3. authenticate ``X-Auth-Token`` (401 without or unknown, 403 when the token lacks the
   endpoint's scope or is read-only and the method writes);
4. dispatch to the resource handler; :class:`ApiProblem`/:class:`V2Problem` become
   BigCommerce's error bodies, anything unexpected a 500 (and the store is reloaded from
   disk so a half-done change never persists);
5. commit the store's changes in one SQLite transaction;
6. record the request in the store's request log.

Routes under ``/_sandbox/`` are the sandbox's own admin API (not BigCommerce's).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from reconciler.sandbox.api import Endpoint
from reconciler.sandbox.http import ApiProblem, V2Problem, json_response
from reconciler.sandbox.requestlog import RequestLog
from reconciler.sandbox.storage import SandboxDB, Store

log = logging.getLogger(__name__)

_STORE_PATH = re.compile(r"^/stores/(?P<hash>[^/]+)(?P<rest>/v[23]/.*)$")
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _wrap(endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def call(request: Request) -> Response:
        store: Store = request.scope["sandbox.store"]
        request.scope["sandbox.endpoint"] = endpoint
        try:
            return await endpoint.handler(request, store)
        except ApiProblem as problem:
            return json_response(problem.body(), problem.status, problem.headers)
        except V2Problem as problem:
            return json_response(problem.body(), problem.status)

    return call


def problem_response(
    rest: str,
    status: int,
    title: str | None = None,
    errors: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """BigCommerce's error body for a refusal by the pipeline itself (auth, routing, limits).

    V2 paths answer V2's JSON array ``[{"status", "message"}]``, V3 paths the V3 object.
    """
    problem = ApiProblem(status, title, errors, headers=headers)
    if rest.startswith("/v2/"):
        details = "; ".join(f"{k}: {v}" for k, v in problem.errors.items())
        message = f"{problem.title} ({details})" if details else problem.title
        return json_response(V2Problem(status, message).body(), status, problem.headers)
    return json_response(problem.body(), status, problem.headers)


async def _not_found(scope: Scope, receive: Receive, send: Send) -> None:
    response = problem_response(scope["path"], 404, "Route not found")
    await response(scope, receive, send)


def all_endpoints() -> list[Endpoint]:
    """Every BigCommerce endpoint the sandbox serves, from all resource modules."""
    from reconciler.sandbox.resources import ENDPOINTS

    return list(ENDPOINTS)


def build_store_router(endpoints: list[Endpoint]) -> Router:
    routes = [
        Route(ep.path, _wrap(ep), methods=[ep.method], name=f"{ep.method} {ep.path}")
        for ep in endpoints
    ]
    return Router(routes=routes, default=_not_found)


class SandboxApp:
    """The ASGI application. ``db`` holds every store; see the module docstring."""

    def __init__(self, db: SandboxDB, *, admin: ASGIApp | None = None) -> None:
        self.db = db
        self.endpoints = all_endpoints()
        self.router = build_store_router(self.endpoints)
        self._by_route = {(ep.method, ep.path): ep for ep in self.endpoints}
        self.request_log = RequestLog()
        if admin is None:
            from reconciler.sandbox.admin import build_admin_app

            admin = build_admin_app(db, self.request_log)
        self.admin = admin

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        if path.startswith("/_sandbox/") or path == "/_sandbox":
            await self.admin(scope, receive, send)
            return
        match = _STORE_PATH.match(path)
        if match is None:
            await _not_found(scope, receive, send)
            return
        await self._serve_store(scope, receive, send, match["hash"], match["rest"])

    async def _serve_store(
        self, scope: Scope, receive: Receive, send: Send, store_hash: str, rest: str
    ) -> None:
        self.db.refresh()
        method: str = scope["method"]
        status_box: list[int] = [0]

        async def send_recording(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status_box[0] = int(message["status"])
            await send(message)

        if not self.db.has_store(store_hash):
            response = problem_response(
                rest, 404, "Store not found", {"store_hash": f"no store {store_hash!r}"}
            )
            await response(scope, receive, send)
            return
        store = self.db.store(store_hash)
        child: Scope = dict(scope)
        child["path"] = rest
        child["root_path"] = scope.get("root_path", "") + f"/stores/{store_hash}"
        child["sandbox.store"] = store
        denied = self._authenticate(store, scope, rest)
        # The API account behind the token: scripts and webhooks are only visible to the
        # account that created them, as on BigCommerce.
        child["sandbox.client_id"] = self._client_id(store, scope)
        try:
            if denied is not None:
                await denied(child, receive, send_recording)
            else:
                await self.router(child, receive, send_recording)
        except Exception:
            log.exception("sandbox handler failed for %s %s", method, rest)
            self.db.reload()
            if status_box[0] == 0:
                response = problem_response(rest, 500)
                await response(child, receive, send_recording)
        else:
            if method not in READ_METHODS:
                self.db.commit()
        self._log(store_hash, method, rest, scope.get("query_string", b""), status_box[0])

    def _authenticate(self, store: Store, scope: Scope, rest: str) -> Response | None:
        """A 401/403 response when the token may not call this endpoint, else ``None``."""
        token = self._token(scope)
        tokens: dict[str, Any] = store.meta.get("tokens", {})
        grant = tokens.get(token) if token else None
        if grant is None:
            return problem_response(
                rest, 401, "Unauthorized", {"X-Auth-Token": "missing or unknown access token"}
            )
        endpoint = self._endpoint_for(scope["method"], rest)
        if endpoint is None:
            return None  # the router answers 404/405
        scopes: dict[str, str] | str = grant.get("scopes", {})
        level = (
            "modify"
            if scopes == "*"
            else (scopes.get(endpoint.scope) if isinstance(scopes, dict) else None)
        )
        if level is None or (level == "read" and scope["method"] not in READ_METHODS):
            needed = (
                endpoint.scope if scope["method"] in READ_METHODS else f"{endpoint.scope} (modify)"
            )
            return problem_response(
                rest, 403, f"You don't have a required scope to access the endpoint: {needed}"
            )
        return None

    @staticmethod
    def _token(scope: Scope) -> str:
        for name, value in scope.get("headers", []):
            if name == b"x-auth-token":
                return str(value.decode("latin-1"))
        return ""

    def _client_id(self, store: Store, scope: Scope) -> str:
        grant = store.meta.get("tokens", {}).get(self._token(scope)) or {}
        return str(grant.get("client_id", "sandbox-client"))

    def _endpoint_for(self, method: str, path: str) -> Endpoint | None:
        child: Scope = {"type": "http", "path": path, "method": method}
        for route in self.router.routes:
            if not isinstance(route, Route):
                continue
            match, _ = route.matches(child)
            if match.name == "FULL":
                return self._by_route.get((method, route.path))
        return None

    def _log(self, store_hash: str, method: str, path: str, query: bytes, status: int) -> None:
        full = path + ("?" + query.decode("latin-1") if query else "")
        self.request_log.record(store_hash, method, full, status)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self.db.commit()
                await send({"type": "lifespan.shutdown.complete"})
                return
