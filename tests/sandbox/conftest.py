"""Fixtures for sandbox tests: a fresh sandbox app and a client bound to one store.

Every exchange made through :class:`StoreClient` is checked against BigCommerce's official
OpenAPI files (see :mod:`tests.sandbox.conformance`): a response whose status or body does
not match the spec fails the test with the spec file, the operation and the schema errors.
Without the OpenAPI folder the check is skipped with a warning, unless
``STAGINGPRO_REQUIRE_OPENAPI=1`` (CI), where a missing folder fails the tests.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.faults import IN_PROCESS_HEADER, raise_for_fault
from reconciler.sandbox.limits import ManualClock
from reconciler.sandbox.storage import SandboxDB
from reconciler.sandbox.stores import DEFAULT_TOKEN, create_store
from tests.sandbox.conformance import ConformanceChecker, Exchange, session_checker

_warned_missing = False


def conformance_checker() -> ConformanceChecker | None:
    """The session's checker; warns once when the OpenAPI folder is absent (not in CI)."""
    global _warned_missing
    checker = session_checker()
    if checker is None and not _warned_missing:
        _warned_missing = True
        from tests.sandbox.conformance import OPENAPI_DIR_ENV, openapi_dir

        warnings.warn(
            f"OpenAPI conformance checks are SKIPPED: {openapi_dir()} does not exist "
            f"(set {OPENAPI_DIR_ENV} to BigCommerce's OpenAPI folder)",
            stacklevel=3,
        )
    return checker


class StoreClient:
    """A synchronous client for one sandbox store: paths are relative to ``/stores/{hash}``.

    ``client.get("/v3/catalog/products", params={...})`` returns the ``httpx.Response``.
    """

    def __init__(self, http: TestClient, store_hash: str, token: str = DEFAULT_TOKEN) -> None:
        self.http = http
        self.store_hash = store_hash
        self.token = token

    def with_token(self, token: str) -> StoreClient:
        return StoreClient(self.http, self.store_hash, token)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Injected timeouts and drops raise ``httpx.ReadTimeout``/``RemoteProtocolError``,
        as the in-process transport does."""
        headers = {
            "Accept": "application/json",
            IN_PROCESS_HEADER: "1",
            **kwargs.pop("headers", {}),
        }
        if self.token:
            headers["X-Auth-Token"] = self.token
        if "json" in kwargs:
            headers.setdefault("Content-Type", "application/json")
        response = self.http.request(
            method, f"/stores/{self.store_hash}{path}", headers=headers, **kwargs
        )
        raise_for_fault(response, response.request)
        checker = conformance_checker()
        if checker is not None:
            checker.check(
                Exchange(
                    method=method.upper(),
                    path=response.request.url.path,
                    status=response.status_code,
                    content_type=response.headers.get("content-type", ""),
                    body=response.content,
                    headers=dict(response.headers),
                )
            )
        return response

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)

    def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        """POST ``body`` to ``path``; the answer's ``data``, failing the test unless a 200."""
        response = self.post(path, json=body)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()["data"]
        return data


@pytest.fixture
def sandbox_db(tmp_path: Any) -> Iterator[SandboxDB]:
    db = SandboxDB(tmp_path / "sandbox.db")
    yield db
    db.close()


@pytest.fixture
def sandbox_app(sandbox_db: SandboxDB) -> SandboxApp:
    return SandboxApp(sandbox_db)


@pytest.fixture
def http(sandbox_app: SandboxApp) -> Iterator[TestClient]:
    with TestClient(sandbox_app, base_url="https://sandbox.test") as client:
        yield client


@pytest.fixture
def store(http: TestClient, sandbox_db: SandboxDB) -> StoreClient:
    """A client for a fresh store ``teststore`` with the full-access default token."""
    create_store(sandbox_db, "teststore")
    return StoreClient(http, "teststore")


@pytest.fixture
def other_account(store: StoreClient) -> StoreClient:
    """A client of the same store through another API account (``client_id`` other-app),
    its token made over the admin API."""
    made = store.http.post(
        "/_sandbox/stores/teststore/tokens",
        json={"token": "other-token", "scopes": "*", "client_id": "other-app"},
    )
    assert made.status_code == 201, made.text
    return store.with_token("other-token")


@dataclass
class Clocked:
    """A sandbox on a manual clock with one store ``teststore``: its client, the clock, the
    raw test client (for ``/_sandbox/`` admin routes), the app and the database."""

    store: StoreClient
    clock: ManualClock
    http: TestClient
    app: SandboxApp
    db: SandboxDB


@pytest.fixture
def clocked(sandbox_db: SandboxDB) -> Iterator[Clocked]:
    clock = ManualClock()
    app = SandboxApp(sandbox_db, clock=clock)
    create_store(sandbox_db, "teststore")
    with TestClient(app, base_url="https://sandbox.test") as http:
        yield Clocked(StoreClient(http, "teststore"), clock, http, app, sandbox_db)
