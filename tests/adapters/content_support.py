"""Extra parts of the content and settings adapter tests (on top of ``conftest``): the
round-trip check through the planner's canonical form, tokens of other API accounts,
and reading the request log with query strings."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from reconciler.adapters.base import IdMaps, LiveContext, LiveItem
from reconciler.config import effective_environment
from reconciler.live import ClientOptions, connect
from reconciler.plan.canonical import canonical_declared, canonical_live
from reconciler.sandbox.stores import add_token
from reconciler.state import DeclaredItem
from tests.adapters.conftest import CONFIG, STATE_ROOT, STORE, Harness

READ_ONLY_ENV = "SP_READONLY_TOKEN"


def canonical(item: DeclaredItem) -> dict[str, Any]:
    """The canonical declared item, as the planner compares it."""
    dumped = item.model.model_dump(mode="json", exclude_unset=True)
    return canonical_declared(item.kind, dumped)


def assert_round_trip(item: DeclaredItem, live: LiveItem, *, extra: Iterable[str] = ()) -> None:
    """A live item written from ``item`` validates against the kind's model and equals the
    declaration canonically on every declared field. ``extra``: fields the adapter adds
    beside the model's (documented hashes), left out of the model check."""
    leave_out = set(extra)
    item.kind.model.model_validate({k: v for k, v in live.data.items() if k not in leave_out})
    wanted = canonical(item)
    have = canonical_live(item.kind, live.data)
    assert {name: have.get(name) for name in wanted} == wanted


async def grant(
    harness: Harness,
    token: str,
    scopes: Mapping[str, str] | str,
    *,
    client_id: str = "sandbox-client",
) -> None:
    """Let ``token`` call the test store with ``scopes`` as API account ``client_id``."""
    await harness.sandbox.create_store(STORE)
    add_token(harness.sandbox.app.db, STORE, token, dict(scopes) if not isinstance(scopes, str)
              else scopes, client_id=client_id)


async def read_only(harness: Harness, monkeypatch: pytest.MonkeyPatch, scope: str) -> None:
    """Make the ``readonly`` environment's token read-only on ``scope``."""
    await grant(harness, "read-only-content-token", {scope: "read"})
    monkeypatch.setenv(READ_ONLY_ENV, "read-only-content-token")


class LoseAnswers(httpx.AsyncBaseTransport):
    """Serves requests from ``inner`` but loses the answer to the first ``count`` requests
    with ``method`` on a path ending in ``path``: the store applied them, the client sees
    a read timeout (what a dropped connection after the write looks like)."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, method: str, path: str, count: int = 1
    ) -> None:
        self.inner, self.method, self.path, self.count = inner, method, path, count

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if self.count and request.method == self.method and request.url.path.endswith(self.path):
            self.count -= 1
            raise httpx.ReadTimeout("the answer was lost", request=request)
        return response


@asynccontextmanager
async def losing_context(
    harness: Harness, method: str, path: str, ids: IdMaps | None = None
) -> AsyncIterator[LiveContext]:
    """A context whose client loses the answer to the first ``method`` on ``path``."""
    env = effective_environment(CONFIG, "staging")
    transport = LoseAnswers(harness.sandbox.transport, method, path)
    client = connect("staging", env.backend, options=ClientOptions(seed=5), transport=transport,
                     clock=harness.sandbox.clock)
    async with client:
        yield LiveContext(client, ids or IdMaps(), env, state_root=STATE_ROOT)
