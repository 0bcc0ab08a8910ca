"""Fixtures for sandbox tests: a fresh sandbox app and a client bound to one store."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.storage import SandboxDB
from reconciler.sandbox.stores import DEFAULT_TOKEN, create_store


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
        headers = {"Accept": "application/json", **kwargs.pop("headers", {})}
        if self.token:
            headers["X-Auth-Token"] = self.token
        if "json" in kwargs:
            headers.setdefault("Content-Type", "application/json")
        return self.http.request(
            method, f"/stores/{self.store_hash}{path}", headers=headers, **kwargs
        )

    def get(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> httpx.Response:
        return self.request("DELETE", path, **kwargs)


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
