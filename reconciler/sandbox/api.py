"""How a sandbox resource module declares its endpoints.

Each module under :mod:`reconciler.sandbox.resources` creates one :class:`Api` with the
OAuth scope its endpoints need and decorates its handlers::

    api = Api(scope="store_v2_products")

    @api.route("GET", "/v3/catalog/brands")
    async def list_brands(request: Request, store: Store) -> Response: ...

Paths are relative to ``/stores/{store_hash}`` and use Starlette's path syntax
(``/v3/catalog/brands/{brand_id:int}``). A handler validates everything first and raises
:class:`~reconciler.sandbox.http.ApiProblem` (or ``V2Problem``) before it mutates the store,
so a rejected request leaves no trace; the app commits the store after each request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.storage import Store

if TYPE_CHECKING:
    from reconciler.sandbox.resources.query_filters import FilterSet

Handler = Callable[[Request, Store], Awaitable[Response]]

NO_SCOPE = ""
"""An endpoint any valid token of the store may call, whatever its scopes (webhooks)."""


@dataclass(frozen=True)
class Endpoint:
    """One method + path of the BigCommerce API served by the sandbox."""

    method: str
    path: str
    handler: Handler
    scope: str
    """The OAuth scope a token needs (read-only variants allow GET only); :data:`NO_SCOPE`
    for none."""
    concurrency: int | None = None
    """BigCommerce's per-endpoint cap on concurrent requests, where the spec states one."""
    filters: FilterSet | None = None
    """The query parameters a list or filtered delete takes, where declared (the handler
    applies them; tests compare them with the spec)."""


@dataclass
class Api:
    """Collects the endpoints of one resource module."""

    scope: str
    endpoints: list[Endpoint] = field(default_factory=list)

    def route(
        self,
        method: str,
        path: str,
        *,
        scope: str | None = None,
        concurrency: int | None = None,
        filters: FilterSet | None = None,
    ) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.endpoints.append(
                Endpoint(method.upper(), path, handler, scope or self.scope, concurrency, filters)
            )
            return handler

        return register
