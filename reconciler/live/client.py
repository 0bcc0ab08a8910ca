"""The async HTTP client for one BigCommerce store (or the embedded sandbox).

::

    async with connect("staging", environment) as client:
        store = await client.get("/v2/store")
        products = await client.paginate_v3(
            "/v3/catalog/products", {"include": ["variants", "images"]}
        )
        groups = await client.paginate_v2("/v2/customer_groups")

Every request goes through the same path: a concurrency semaphore, the store's
:class:`~reconciler.live.ratelimit.RateLimiter`, the retry loop of
:mod:`reconciler.live.retry`, and on failure an error from :mod:`reconciler.errors`
(mapped in :mod:`reconciler.live.failures`). Paths are relative to the store's base URL
(``/v3/catalog/brands``); list-valued query parameters are sent comma-separated, as
BigCommerce expects (``include=variants,images``, ``id:in=1,2,3``).

The access token is kept out of every ``repr``, message and statistic.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import TracebackType
from typing import Any

import httpx

from reconciler import finite_json
from reconciler.errors import (
    ApiDetail,
    ApiError,
    FencedError,
    RateLimitError,
    StoreUnreachableError,
    TransportError,
    WriteOutcomeUnknownError,
)
from reconciler.live.breaker import CircuitBreaker
from reconciler.live.caps import cap_for
from reconciler.live.clock import Clock, SystemClock
from reconciler.live.failures import StoreContext, describe, error_for_status, parse_error_body
from reconciler.live.ratelimit import RateLimiter, RateLimitHeaders, Ticket
from reconciler.live.retry import RETRYABLE_STATUSES, RetryPolicy, is_idempotent
from reconciler.live.stats import ClientStats, ProgressCallback, RequestEvent
from reconciler.secrets import redact

QueryValue = str | int | float | bool | Iterable[str | int]
Params = Mapping[str, QueryValue]
FileUpload = tuple[str, bytes, str]
"""A multipart file part: ``(file name, bytes, content type)``."""

MAX_PAGE_SIZE = 250
"""BigCommerce's largest page (V3 catalog ``limit`` maximum, V2 lists)."""

# Failures that prove the request never reached the store: safe to retry any method.
_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


@dataclass(frozen=True)
class ClientOptions:
    """Tuning of a :class:`LiveClient`; the defaults suit a Standard plan store."""

    concurrency: int = 4
    """Requests in flight at once (also bounds concurrent page fetches)."""
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    reserve_fraction: float = 0.05
    """Share of the store's quota left unused for the other apps on the store."""
    seed: int | None = None
    """Seed of the backoff jitter (``None``: from the system)."""
    endpoint_caps: bool = True
    """Keep within BigCommerce's per-endpoint concurrency caps (:mod:`reconciler.live.caps`)."""

    def __post_init__(self) -> None:
        if self.concurrency < 1:
            raise ValueError("concurrency must be at least 1")


@dataclass(frozen=True)
class LiveResponse:
    """A successful answer: status, headers and the parsed JSON body (``None`` if empty)."""

    status: int
    headers: httpx.Headers
    body: Any


class _Token:
    """Holds the access token so no ``repr`` or log line can show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<token ***>"


class LiveClient:
    """Talks to one store: ``base_url`` is ``https://api.bigcommerce.com/stores/{hash}``.

    Use it as an async context manager (or call :meth:`aclose`). ``on_open`` runs once
    before the first request (the sandbox creates its store there). ``transport``
    replaces the network (the in-process sandbox); ``clock`` the real time (tests).
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        context: StoreContext,
        options: ClientOptions | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
        limiter: RateLimiter | None = None,
        progress: ProgressCallback | None = None,
        on_open: Callable[[httpx.AsyncClient], Awaitable[None]] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.context = context
        self.options = options or ClientOptions()
        self.clock: Clock = clock or SystemClock()
        self.limiter = limiter or RateLimiter(
            self.clock, reserve_fraction=self.options.reserve_fraction
        )
        self.stats = ClientStats()
        self.progress = progress
        self._token = _Token(token)
        self._rng = random.Random(self.options.seed)
        self._semaphore = asyncio.Semaphore(self.options.concurrency)
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=httpx.Timeout(
                self.options.read_timeout, connect=self.options.connect_timeout
            ),
            headers={"Accept": "application/json", "User-Agent": "stagingpro"},
        )
        self._on_open = on_open
        self._opened = False
        self.breaker = CircuitBreaker(self.clock)
        self.write_fence: Callable[[], str | None] | None = None
        """Asked before every attempt of a write: why it must not be sent (``None``: send
        it). An apply sets it to its lock lease, so no write goes out once the lock is
        lost (:class:`FencedError`)."""
        self._open_lock = asyncio.Lock()

    def __repr__(self) -> str:
        return f"<LiveClient {self.context.store()} at {self.base_url}>"

    # --- lifecycle ----------------------------------------------------------------------
    async def __aenter__(self) -> LiveClient:
        await self._ensure_open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _ensure_open(self) -> None:
        if self._opened:
            return
        async with self._open_lock:
            if not self._opened:
                if self._on_open is not None:
                    await self._on_open(self._http)
                self._opened = True

    # --- requests -----------------------------------------------------------------------
    async def get(self, path: str, params: Params | None = None) -> Any:
        return (await self.send("GET", path, params=params)).body

    async def post(self, path: str, json: Any = None, params: Params | None = None) -> Any:
        return (await self.send("POST", path, params=params, json=json)).body

    async def put(self, path: str, json: Any = None, params: Params | None = None) -> Any:
        return (await self.send("PUT", path, params=params, json=json)).body

    async def delete(self, path: str, params: Params | None = None) -> Any:
        return (await self.send("DELETE", path, params=params)).body

    async def send(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        json: Any = None,
        files: Mapping[str, FileUpload] | None = None,
    ) -> LiveResponse:
        """One call, retried as :mod:`reconciler.live.retry` allows; 2xx answers only.

        ``files`` sends a ``multipart/form-data`` body instead of JSON (theme bundles,
        image files): ``{"file": ("theme.zip", data, "application/zip")}``.
        Raises :class:`~reconciler.errors.LiveError` subclasses for everything else.
        """
        await self._ensure_open()
        method = method.upper()
        url = self.base_url + (path if path.startswith("/") else "/" + path)
        query = _query(params)
        content_type = "application/json"
        content: bytes | None
        if files is not None:
            content, content_type = _multipart(files)
        else:
            content = _encode(json)
        started = self.clock.monotonic()
        attempt = 0
        while True:
            attempt += 1
            self._check_breaker(method, path)
            response, failure = await self._attempt(
                method, url, query, content, content_type, path
            )
            self.breaker.record(response is not None)
            elapsed = self.clock.monotonic() - started
            status = response.status_code if response is not None else 0
            verdict = self._judge(method, response, failure, attempt)
            if verdict is None and response is not None:
                self._report(method, path, status, attempt, elapsed, False)
                return LiveResponse(status, response.headers, _decode(response))
            if (
                verdict is not None
                and verdict.retryable
                and self.options.retry.allows(attempt, elapsed, verdict.wait)
            ):
                self._report(method, path, status, attempt, elapsed, True)
                self.stats.retries += 1
                self.stats.backoff_wait += verdict.wait
                await self.clock.sleep(verdict.wait)
                continue
            self._report(method, path, status, attempt, elapsed, False)
            raise self._final_error(method, path, url, response, failure, attempt, elapsed)

    def _check_breaker(self, method: str, path: str) -> None:
        """Refuse to send anything once the breaker is open."""
        store = self.context.store()
        if self.breaker.open:
            raise StoreUnreachableError(
                f"{method} {path} to {store} was not sent: the store stopped answering"
                f" ({self.breaker.threshold} requests in a row got no answer)",
                hint="check the network and the store's status, then run the command again",
                environment=self.context.environment,
                detail=ApiDetail(method, redact(self.base_url + path), 0, "store unreachable"),
            )

    def _check_fence(self, method: str, url: str) -> None:
        """Refuse a write the fence forbids; asked at the last moment before sending
        (after any wait for the rate limiter, which may be long)."""
        why = self.write_fence() if self.write_fence is not None and method != "GET" else None
        if why:
            path = url.removeprefix(self.base_url)
            raise FencedError(
                f"{method} {path} to {self.context.store()} was not sent: {why}",
                hint="another apply may be writing; run the command again once it is done",
                environment=self.context.environment,
                detail=ApiDetail(method, redact(url), 0, why),
            )

    async def _attempt(
        self,
        method: str,
        url: str,
        query: httpx.QueryParams,
        content: bytes | None,
        content_type: str = "application/json",
        path: str = "",
    ) -> tuple[httpx.Response | None, httpx.TransportError | None]:
        # BigCommerce's catalog specs declare Content-Type required on every call.
        headers = {"X-Auth-Token": self._token.reveal(), "Content-Type": content_type}
        cap = cap_for(method, path.split("?", 1)[0]) if self.options.endpoint_caps else None
        async with self.limiter.endpoint_gate(cap):
            # The limiter learns how many requests are waiting, so it can tell a burst
            # that fits the quota (send at once) from one that does not (spread it out).
            self.limiter.expect()
            expected = True
            try:
                async with self._semaphore:
                    try:
                        ticket = await self.limiter.acquire()
                    finally:
                        self.limiter.unexpect()
                        expected = False
                    return await self._exchange(method, url, query, content, headers, ticket)
            finally:
                if expected:
                    self.limiter.unexpect()

    async def _exchange(
        self,
        method: str,
        url: str,
        query: httpx.QueryParams,
        content: bytes | None,
        headers: dict[str, str],
        ticket: Ticket,
    ) -> tuple[httpx.Response | None, httpx.TransportError | None]:
        """Send one attempt holding its limiter ticket; the ticket is always given back."""
        self.stats.limiter_wait += ticket.waited
        answer: httpx.Headers | None = None
        try:
            self._check_fence(method, url)
            self.stats.requests[method] += 1
            self.stats.bytes_sent += len(content or b"")
            response = await self._http.request(
                method, url, params=query, content=content, headers=headers
            )
            answer = response.headers
        except httpx.TransportError as error:
            self.stats.transport_failures += 1
            return None, error
        finally:
            self.limiter.release(ticket, answer)
        self.stats.bytes_received += len(response.content)
        return response, None

    def _judge(
        self,
        method: str,
        response: httpx.Response | None,
        failure: httpx.TransportError | None,
        attempt: int,
    ) -> _Verdict | None:
        """``None`` when the attempt succeeded; else whether (and after what wait) to retry."""
        if response is not None and response.status_code < 400:
            return None
        backoff = self.options.retry.backoff(attempt, self._rng)
        if response is None:
            never_sent = isinstance(failure, _NEVER_SENT)
            return _Verdict(never_sent or is_idempotent(method), backoff)
        status = response.status_code
        if status == 429:
            self.stats.throttled += 1
            limits = RateLimitHeaders.parse(response.headers)
            asked = limits.throttle_wait()
            if asked is not None and limits.quota_exhausted:
                self.limiter.throttle(asked)
            return _Verdict(True, (asked or 0.0) + backoff)
        if status >= 500:
            self.stats.server_errors += 1
            return _Verdict(status in RETRYABLE_STATUSES and is_idempotent(method), backoff)
        return _Verdict(False, 0.0)

    def _final_error(
        self,
        method: str,
        path: str,
        url: str,
        response: httpx.Response | None,
        failure: httpx.TransportError | None,
        attempt: int,
        elapsed: float,
    ) -> Exception:
        store = self.context.store()
        tries = f"{attempt} attempt{'s' if attempt != 1 else ''} in {elapsed:.1f}s"
        env = self.context.environment
        if response is None:
            reason = redact(f"{type(failure).__name__}: {failure}".rstrip(": "))
            detail = ApiDetail(method=method, url=redact(url), status=0, title=reason)
            if not is_idempotent(method) and not isinstance(failure, _NEVER_SENT):
                return WriteOutcomeUnknownError(
                    redact(
                        f"{method} {path} to {store} got no answer ({reason}); "
                        "the store may or may not have applied it"
                    ),
                    hint="re-read the item by its natural key before trying again",
                    environment=env,
                    detail=detail,
                )
            return TransportError(
                redact(f"{method} {path} to {store} got no answer after {tries} ({reason})"),
                hint="check the network and the store's status; the request can be retried",
                environment=env,
                detail=detail,
            )
        status = response.status_code
        if status == 429 or (status in RETRYABLE_STATUSES and attempt > 1):
            title, errors = parse_error_body(response.content)
            safe_errors = {redact(k): redact(v) for k, v in errors.items()}
            detail = ApiDetail(method, redact(url), status, redact(title), safe_errors)
            if status == 429:
                return RateLimitError(
                    redact(
                        f"{store} kept answering 429 Too Many Requests to {method} {path} "
                        f"after {tries}"
                    ),
                    hint="all apps on a store share its quota; retry later or lower concurrency",
                    environment=env,
                    detail=detail,
                )
            return ApiError(
                redact(f"{method} {path} on {store} kept failing after {tries}: "
                       f"{describe(detail)}"),
                hint="the store is having trouble; retry later",
                environment=env,
                detail=detail,
            )
        error = error_for_status(self.context, method, url, path, status, response.content)
        if status >= 500 and not is_idempotent(method):
            # Not retried: a gateway error does not prove the store did nothing.
            error.hint = "the store may have applied it; re-read the item by its natural key"
        return error

    def _report(
        self, method: str, path: str, status: int, attempt: int, seconds: float, retry: bool
    ) -> None:
        if self.progress is not None:
            self.progress(RequestEvent(method, path, status, attempt, seconds, retry))

    # --- pagination ---------------------------------------------------------------------
    async def iter_pages_v3(
        self, path: str, params: Params | None = None, *, limit: int = MAX_PAGE_SIZE
    ) -> AsyncIterator[list[Any]]:
        """Yield the ``data`` of every page of a V3 list, in order.

        The first page tells ``meta.pagination.total_pages``; the others are then fetched
        concurrently (bounded by the client's concurrency and the rate limiter).
        """
        base = {**(params or {}), "limit": limit}
        first = await self.get(path, {**base, "page": 1})
        data, total_pages = _v3_page(first, path)
        yield data
        pages = iter(range(2, total_pages + 1))
        pending: deque[asyncio.Task[Any]] = deque()

        def schedule() -> None:
            page = next(pages, None)
            if page is not None:
                pending.append(asyncio.ensure_future(self.get(path, {**base, "page": page})))

        try:
            for _ in range(2 * self.options.concurrency):
                schedule()
            while pending:
                body = await pending.popleft()
                schedule()
                yield _v3_page(body, path)[0]
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def paginate_v3(
        self, path: str, params: Params | None = None, *, limit: int = MAX_PAGE_SIZE
    ) -> list[Any]:
        """Every item of a V3 list (see :meth:`iter_pages_v3`)."""
        return [item async for page in self.iter_pages_v3(path, params, limit=limit)
                for item in page]

    async def iter_pages_v2(
        self, path: str, params: Params | None = None, *, limit: int = MAX_PAGE_SIZE
    ) -> AsyncIterator[list[Any]]:
        """Yield every page of a V2 list (a bare JSON array), in order.

        V2 lists carry no totals: pages are read one after another until a 204, an empty
        array or a page shorter than ``limit`` (which must not exceed the endpoint's
        maximum, or a full page would look short).
        """
        page = 1
        while True:
            body = (await self.send("GET", path, params={**(params or {}), "page": page,
                                                         "limit": limit})).body
            if body is None or body == []:
                return
            if not isinstance(body, list):
                raise ApiError(
                    f"GET {path} on {self.context.store()} answered a "
                    f"{type(body).__name__}, not the JSON array of a V2 list",
                    environment=self.context.environment,
                )
            yield body
            if len(body) < limit:
                return
            page += 1

    async def paginate_v2(
        self, path: str, params: Params | None = None, *, limit: int = MAX_PAGE_SIZE
    ) -> list[Any]:
        """Every item of a V2 list (see :meth:`iter_pages_v2`)."""
        return [item async for page in self.iter_pages_v2(path, params, limit=limit)
                for item in page]


@dataclass(frozen=True)
class _Verdict:
    """Why an attempt failed, as the retry loop needs it."""

    retryable: bool
    wait: float
    """Seconds to wait before the retry (a 429's asked wait plus the jittered backoff)."""


def _v3_page(body: Any, path: str) -> tuple[list[Any], int]:
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise ApiError(f"GET {path} did not answer a V3 list ({{data: [...], meta}})")
    pagination = (body.get("meta") or {}).get("pagination") or {}
    total_pages = pagination.get("total_pages", 1)
    return body["data"], total_pages if isinstance(total_pages, int) else 1


def _query(params: Params | None) -> httpx.QueryParams:
    query: list[tuple[str, str | int | float | bool | None]] = []
    for name, value in (params or {}).items():
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, str | int | float):
            text = str(value)
        else:
            text = ",".join(str(part) for part in value)
        query.append((name, text))
    return httpx.QueryParams(query)


def _multipart(files: Mapping[str, FileUpload]) -> tuple[bytes, str]:
    """A ``multipart/form-data`` body and its content type (with the boundary)."""
    request = httpx.Request("POST", "http://multipart.invalid/", files=dict(files))
    return request.read(), request.headers["Content-Type"]


def _encode(body: Any) -> bytes | None:
    """A JSON body; a :class:`~decimal.Decimal` is written as a number digit for digit."""
    if body is None:
        return None
    try:
        return json.dumps(body, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
    except TypeError:  # a Decimal, which json cannot write as a number
        return _exact_json(body).encode()


def _exact_json(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, Mapping):
        return "{" + ",".join(
            f"{_exact_json(str(k))}:{_exact_json(v)}" for k, v in value.items()
        ) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_exact_json(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False, allow_nan=False)


def _decode(response: httpx.Response) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return finite_json.loads(response.content)
    except finite_json.NonFiniteNumberError as error:
        raise ApiError(
            f"{response.request.method} {response.request.url.path} answered"
            f" {response.status_code} with a number JSON does not allow ({error}); nothing"
            " from this answer was used",
            hint="a store should never send this: report it to BigCommerce support",
            detail=ApiDetail(
                response.request.method, str(response.request.url), response.status_code,
                response.text[:300],
            ),
        ) from None
    except ValueError:
        raise ApiError(
            f"{response.request.method} {response.request.url.path} answered "
            f"{response.status_code} with a body that is not JSON",
            detail=ApiDetail(
                response.request.method, str(response.request.url), response.status_code,
                response.text[:300],
            ),
        ) from None
