"""The sandbox ASGI application: BigCommerce's side of the wire.

Request pipeline for ``/stores/{store_hash}/v2|v3/...``:

1. pick up changes another process wrote to the SQLite file;
2. resolve the store (404 for an unknown store hash, as BigCommerce answers);
3. authenticate ``X-Auth-Token`` (401 without or unknown, 403 when the token lacks the
   endpoint's scope or is read-only and the method writes);
4. count the request against the store's rate-limit window (429 with ``X-Retry-After``
   once the quota is used up) and the endpoint's concurrency cap (429 while that many
   requests to it are in flight); every answer of a known store carries the
   ``X-Rate-Limit-*`` headers, 401s and 403s too, though they do not count
   (:mod:`~reconciler.sandbox.limits`);
5. inject the store's faults: latency, then a 5xx, a dropped connection or (after the
   handler ran) a timeout (:mod:`~reconciler.sandbox.faults`); then scripted failures
   matching the request answer instead of the handler
   (:mod:`~reconciler.sandbox.settings`);
6. dispatch to the resource handler; :class:`ApiProblem`/:class:`V2Problem` become
   BigCommerce's error bodies, anything unexpected a 500 (and the store is reloaded from
   disk so a half-done change never persists);
7. a write runs inside one :meth:`SandboxDB.transaction` (the file's write lock, what
   other processes committed reloaded first) and its answer is held back until the commit
   succeeded: a failed commit answers 503 ("database is locked") or 500 instead, with
   BigCommerce's error body, and nothing of it stays in memory;
8. record the request in the store's request log (status 0: no answer was sent).

Errors raised by the pipeline itself answer V2's ``[{status, message}]`` on V2 paths and
V3's ``{status, title, type, errors}`` on V3 paths. Routes under ``/_sandbox/`` are the
sandbox's own admin API (not BigCommerce's); its writes are committed the same way; the
storefront paths stencil-cli calls are answered by :mod:`~reconciler.sandbox.storefront`.
A served app has a :class:`~reconciler.sandbox.guard.ServeGuard` (``Host`` check, admin
token); the in-process one trusts its caller.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import sqlite3
import typing
import weakref
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route, Router
from starlette.types import ASGIApp, Receive, Scope, Send

from reconciler.sandbox.api import NO_SCOPE, Endpoint
from reconciler.sandbox.faults import FAULT_HEADER, IN_PROCESS_HEADER, FaultInjector, Outcome
from reconciler.sandbox.guard import MAX_ADMIN_BODY, ServeGuard
from reconciler.sandbox.http import ApiProblem, V2Problem, json_response
from reconciler.sandbox.limits import Clock, ConcurrencyGate, SystemClock, WindowState
from reconciler.sandbox.requestlog import RequestLog
from reconciler.sandbox.settings import (
    DEFAULT_QUOTA,
    RateLimitSettings,
    ScriptedFailure,
    StoreSettings,
    list_failures,
    read_settings,
    settings_version,
    take_failure,
)
from reconciler.sandbox.storage import SandboxDB, Store, UnknownStoreError
from reconciler.sandbox.storefront import is_storefront_path, serve_storefront
from reconciler.sandbox.stores import DEFAULT_CLIENT_ID

log = logging.getLogger(__name__)

# A trailing slash is served as the path without it, as BigCommerce does (a redirect would
# point outside /stores/{hash}, where the store cannot answer).
_STORE_PATH = re.compile(r"^/stores/(?P<hash>[^/]+)(?P<rest>/v[23]/.*?)/?$")
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


@dataclass
class StoreRuntime:
    """What the app keeps in memory per store: rate window, fault generator, in-flight counts.

    Rebuilt from the store's settings whenever their version changes (the in-flight counts
    carry over, the window only when the rate limit itself is unchanged).
    """

    version: int
    settings: StoreSettings
    window: WindowState
    faults: FaultInjector
    gate: ConcurrencyGate
    has_failures: bool


class _Call:
    """One request to a store as it goes through the pipeline."""

    def __init__(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        rest: str,
        store: Store,
        runtime: StoreRuntime,
    ) -> None:
        self.scope = scope
        self.receive = receive
        self.send = send
        self.rest = rest
        self.store = store
        self.runtime = runtime
        self.method: str = scope["method"]
        self.status = 0
        """The status answered (0 while none, and for timeouts and drops)."""
        self.extra_headers: list[tuple[bytes, bytes]] = []
        """Added to the answer: the rate-limit headers."""

    def add_headers(self, headers: Mapping[str, str]) -> None:
        self.extra_headers.extend((k.lower().encode(), v.encode()) for k, v in headers.items())

    async def send_recording(self, message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            self.status = int(message["status"])
            if self.extra_headers:
                message = dict(message)
                message["headers"] = [*message.get("headers", []), *self.extra_headers]
        await self.send(message)

    async def answer(self, response: Response) -> None:
        await response(self.scope, self.receive, self.send_recording)


async def _discard(message: MutableMapping[str, Any]) -> None:
    """A ``send`` for an answer that is lost on the way (an injected timeout)."""


class SandboxApp:
    """The ASGI application. ``db`` holds every store; see the module docstring.

    ``clock`` drives rate-limit windows, injected latency and theme jobs (a
    :class:`~reconciler.sandbox.limits.ManualClock` in tests). ``theme_job_s``: how long a
    theme upload or download job reads QUEUED/WORKING before its outcome; 0 (in process:
    the tests and the demo) finishes jobs at once, ``sandbox serve`` takes a moment as
    BigCommerce does. ``guard``: see :mod:`~reconciler.sandbox.guard` (``None``: every
    caller is trusted). ``default_quota``: the requests per window of stores whose settings
    set no quota of their own.
    """

    def __init__(
        self,
        db: SandboxDB,
        *,
        admin: ASGIApp | None = None,
        clock: Clock | None = None,
        theme_job_s: float = 0.0,
        guard: ServeGuard | None = None,
        default_quota: int | None = None,
    ) -> None:
        self.db = db
        self.clock: Clock = clock or SystemClock()
        self.theme_job_s = theme_job_s
        self.guard = guard
        self.default_quota = default_quota
        # Writes of one process take turns (one SQLite connection, one transaction at a
        # time); one lock per event loop, as tests run several loops over one app.
        self._write_locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )
        self.endpoints = all_endpoints()
        self.router = build_store_router(self.endpoints)
        self._by_route = {(ep.method, ep.path): ep for ep in self.endpoints}
        self._runtimes: dict[str, StoreRuntime] = {}
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
        if self.guard is not None and not self.guard.host_allowed(scope):
            response = problem_response(
                path, 421, "Misdirected Request", {"Host": "not a name of this sandbox"}
            )
            await response(scope, receive, send)
            return
        if path.startswith("/_sandbox/") or path == "/_sandbox":
            await self._serve_admin(scope, receive, send)
            return
        if is_storefront_path(path):
            await serve_storefront(self.db, scope, receive, send)
            return
        match = _STORE_PATH.match(path)
        if match is None:
            await _not_found(scope, receive, send)
            return
        await self._serve_store(scope, receive, send, match["hash"], match["rest"])

    async def _serve_admin(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        if self.guard is not None and not self.guard.admin_allowed(scope):
            response = problem_response(
                path, 401, "Unauthorized", {"Authorization": "Bearer <the admin token>"}
            )
            await response(scope, receive, send)
            return
        if scope["method"] in READ_METHODS:
            await self.admin(scope, receive, send)
            return
        body, receive = await _buffered(receive, MAX_ADMIN_BODY)
        if body is None:
            too_big = f"at most {MAX_ADMIN_BODY} bytes"
            await problem_response(path, 413, "Payload Too Large", {"body": too_big})(
                scope, receive, send
            )
            return
        await self._committed(self.admin, scope, receive, send)

    async def _committed(self, inner: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        """Run ``inner`` in one write transaction; send its answer only once committed."""
        held: list[MutableMapping[str, Any]] = []

        async def hold(message: MutableMapping[str, Any]) -> None:
            held.append(message)

        path: str = scope["path"]  # the V2 or V3 path: it picks the error body's shape
        try:
            async with self._write_lock():
                with self.db.transaction():
                    await inner(scope, receive, hold)
        except UnknownStoreError as error:
            response = problem_response(path, 404, "Store not found", {"store_hash": str(error)})
        except sqlite3.Error as error:
            log.error("sandbox change not saved for %s %s: %s", scope["method"], path, error)
            busy = "locked" in str(error) or "busy" in str(error)
            response = problem_response(
                path, 503 if busy else 500, None, {"storage": f"not saved: {error}"}
            )
        except Exception:
            log.exception("sandbox handler failed for %s %s", scope["method"], path)
            response = problem_response(path, 500)
        else:
            for message in held:
                await send(message)
            return
        await response(scope, receive, send)

    def _write_lock(self) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        lock = self._write_locks.get(loop)
        if lock is None:
            lock = self._write_locks[loop] = asyncio.Lock()
        return lock

    def runtime(self, store: Store) -> StoreRuntime:
        """The in-memory state of ``store``, rebuilt when its settings changed."""
        version = settings_version(store)
        current = self._runtimes.get(store.hash)
        if current is not None and current.version == version:
            return current
        settings = read_settings(store)
        if self.default_quota is not None and settings.rate_limit.quota == DEFAULT_QUOTA:
            # No quota of the store's own: the server's (BigCommerce Standard by default).
            default = RateLimitSettings(
                quota=self.default_quota, window_ms=settings.rate_limit.window_ms
            )
            settings = settings.model_copy(update={"rate_limit": default})
        limit = settings.rate_limit
        window = (
            current.window
            if current is not None and current.settings.rate_limit == limit
            else WindowState(limit.quota, limit.window_ms)
        )
        runtime = StoreRuntime(
            version=version,
            settings=settings,
            window=window,
            faults=FaultInjector(settings.faults, settings.seed),
            gate=current.gate if current is not None else ConcurrencyGate(),
            has_failures=bool(list_failures(store)),
        )
        self._runtimes[store.hash] = runtime
        return runtime

    async def _serve_store(
        self, scope: Scope, receive: Receive, send: Send, store_hash: str, rest: str
    ) -> None:
        self.db.refresh()
        if not self.db.has_store(store_hash):
            response = problem_response(
                rest, 404, "Store not found", {"store_hash": f"no store {store_hash!r}"}
            )
            await response(scope, receive, send)
            return
        if scope["method"] not in READ_METHODS:
            # The whole body first: a write holds the file's write lock, never while a
            # slow client is still sending.
            _, receive = await _buffered(receive)
        store = self.db.store(store_hash)
        call = _Call(scope, receive, send, rest, store, self.runtime(store))
        try:
            await self._pipeline(call)
        finally:
            self._log(store_hash, call.method, rest, scope.get("query_string", b""), call.status)

    async def _pipeline(self, call: _Call) -> None:
        endpoint = self._endpoint_for(call.method, call.rest)
        runtime = call.runtime
        denied = self._authenticate(call.store, call.scope, call.rest, endpoint)
        if denied is not None:
            # Refused before it counts against the quota, but it still reports the quota.
            call.add_headers(runtime.window.headers(self.clock.now()))
            await call.answer(denied)
            return
        decision = runtime.window.take(self.clock.now())
        call.add_headers(decision.headers)
        if not decision.allowed:
            await call.answer(problem_response(call.rest, 429, "Too many requests"))
            return
        gate_key = f"{endpoint.method} {endpoint.path}" if endpoint is not None else ""
        if endpoint is not None and not runtime.gate.enter(gate_key, endpoint.concurrency):
            cap = f"at most {endpoint.concurrency} concurrent requests to this endpoint"
            await call.answer(
                problem_response(
                    call.rest,
                    429,
                    "Too many requests",
                    {"concurrency": cap},
                    headers={"X-Retry-After": "1"},
                )
            )
            return
        try:
            await self._serve_with_faults(call)
        finally:
            if endpoint is not None:
                runtime.gate.leave(gate_key)

    async def _serve_with_faults(self, call: _Call) -> None:
        faults = call.runtime.settings.faults
        fault = call.runtime.faults.draw() if call.runtime.faults.active else None
        if fault is not None:
            if fault.delay_s > 0:
                await self.clock.sleep(fault.delay_s)
            if fault.outcome is Outcome.DROP:
                await self._no_answer(call, Outcome.DROP, 0)
                return
            if fault.outcome is Outcome.ERROR:
                await call.answer(problem_response(call.rest, faults.error_status))
                return
        if call.runtime.has_failures:
            raw, call.receive = await _buffered(call.receive)
            failure = take_failure(self.db, call.store, call.method, call.rest, _json_or_none(raw))
            if failure is not None:
                await call.answer(self._scripted(failure, call.rest))
                return
        child: Scope = dict(call.scope)
        child["path"] = call.rest
        child["root_path"] = call.scope.get("root_path", "") + f"/stores/{call.store.hash}"
        child["sandbox.store"] = call.store
        # The API account behind the token: scripts and webhooks are only visible to the
        # account that created them, as on BigCommerce.
        child["sandbox.client_id"] = self._client_id(call.store, call.scope)
        child["sandbox.clock"] = self.clock
        child["sandbox.theme_job_s"] = self.theme_job_s
        if fault is not None and fault.outcome is Outcome.TIMEOUT:
            # The store does the work; the answer is lost on the way back.
            lost = _Call(child, call.receive, _discard, call.rest, call.store, call.runtime)
            await self._dispatch(child, lost)
            await self._no_answer(call, Outcome.TIMEOUT, faults.stall_ms / 1000)
            return
        await self._dispatch(child, call)

    async def _dispatch(self, child: Scope, call: _Call) -> None:
        if call.method not in READ_METHODS:

            async def handle(scope: Scope, receive: Receive, send: Send) -> None:
                # The store as the transaction reloaded it, with other processes' changes.
                scope["sandbox.store"] = self.db.store(call.store.hash)
                await self.router(scope, receive, send)

            await self._committed(handle, child, call.receive, call.send_recording)
            return
        try:
            await self.router(child, call.receive, call.send_recording)
        except Exception:
            log.exception("sandbox handler failed for %s %s", call.method, call.rest)
            self.db.reload()
            if call.status == 0:
                await call.answer(problem_response(call.rest, 500))

    async def _no_answer(self, call: _Call, outcome: Outcome, stall_s: float) -> None:
        """A timeout or a dropped connection, as the client will see it.

        In process: a response marked with the fault header, which the in-process
        transport turns into the httpx exception. Over a socket: for a timeout, wait (up
        to ``stall_s``) for the client to give up; then start a response that never
        completes, so the server closes the connection mid-answer.
        """
        if _has_header(call.scope, IN_PROCESS_HEADER.encode()):
            await call.send(
                {
                    "type": "http.response.start",
                    "status": 504 if outcome is Outcome.TIMEOUT else 502,
                    "headers": [(FAULT_HEADER.encode(), outcome.value.encode())],
                }
            )
            await call.send({"type": "http.response.body", "body": b"", "more_body": False})
            return
        if outcome is Outcome.TIMEOUT:
            await _wait_for_disconnect(call.receive, stall_s)
        await call.send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"2")],
            }
        )
        # Returning now leaves the response incomplete: the server closes the connection.

    @staticmethod
    def _scripted(failure: ScriptedFailure, rest: str) -> Response:
        if failure.body is None:
            return problem_response(rest, failure.status)
        return json_response(failure.body, failure.status)

    def _authenticate(
        self, store: Store, scope: Scope, rest: str, endpoint: Endpoint | None
    ) -> Response | None:
        """A 401/403 response when the token may not call this endpoint, else ``None``."""
        token = self._token(scope)
        tokens: dict[str, Any] = store.meta.get("tokens", {})
        grant = tokens.get(token) if token else None
        if grant is None:
            return problem_response(
                rest, 401, "Unauthorized", {"X-Auth-Token": "missing or unknown access token"}
            )
        if endpoint is None:
            return None  # the router answers 404/405
        if endpoint.scope == NO_SCOPE:
            return None
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
        return str(grant.get("client_id", DEFAULT_CLIENT_ID))

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


def _has_header(scope: Scope, name: bytes) -> bool:
    return any(key == name for key, _ in scope.get("headers", []))


@typing.overload
async def _buffered(receive: Receive) -> tuple[bytes, Receive]: ...
@typing.overload
async def _buffered(receive: Receive, limit: int) -> tuple[bytes | None, Receive]: ...
async def _buffered(receive: Receive, limit: int | None = None) -> tuple[bytes | None, Receive]:
    """Read the whole request body; a ``receive`` that replays it to the handler.

    With ``limit``: ``None`` instead of a body longer than ``limit`` bytes (read no further).
    """
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if limit is not None and size > limit:
            return None, receive
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    body = b"".join(chunks)
    replayed = False

    async def replay() -> MutableMapping[str, Any]:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


def _json_or_none(raw: bytes) -> Any:
    try:
        return json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        return None


async def _wait_for_disconnect(receive: Receive, limit_s: float) -> None:
    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(disconnected(), timeout=limit_s)
