"""A served sandbox refuses what a web page could send it: admin calls without the token,
requests under a foreign ``Host`` (DNS rebinding), oversized admin bodies."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st
from starlette.testclient import TestClient

from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.guard import LOOPBACK_NAMES, MAX_ADMIN_BODY, ServeGuard
from reconciler.sandbox.storage import SandboxDB
from reconciler.sandbox.stores import DEFAULT_TOKEN, create_store

ADMIN = {"Authorization": "Bearer admin-secret"}
API = {"X-Auth-Token": DEFAULT_TOKEN}


@pytest.fixture
def served_app() -> Iterator[TestClient]:
    """The app as ``sandbox serve --host 127.0.0.1`` runs it, one brand in store ``shop``."""
    db = SandboxDB()
    create_store(db, "shop")
    app = SandboxApp(db, guard=ServeGuard.for_host("127.0.0.1", "admin-secret"))
    with TestClient(app, base_url="http://127.0.0.1:8765") as http:
        assert http.post("/stores/shop/v3/catalog/brands", json={"name": "B"}, headers=API)
        yield http


def _brands(http: TestClient) -> list[str]:
    brands = http.get("/stores/shop/v3/catalog/brands", headers=API).json()["data"]
    return [b["name"] for b in brands]


def test_a_cross_origin_form_post_cannot_reset_a_store(served_app: TestClient) -> None:
    attack = served_app.post(
        "/_sandbox/stores/shop/reset",
        content=b"{}",
        headers={"Content-Type": "text/plain", "Origin": "https://evil.example"},
    )
    assert attack.status_code == 401
    assert attack.json()["status"] == 401
    assert _brands(served_app) == ["B"]


def test_no_token_can_be_minted_without_the_admin_token(served_app: TestClient) -> None:
    for headers in ({}, {"Authorization": "Bearer guessed"}, {"Authorization": "admin-secret"}):
        minted = served_app.post(
            "/_sandbox/stores/shop/tokens", json={"token": "mine"}, headers=headers
        )
        assert minted.status_code == 401
    minted_use = served_app.get("/stores/shop/v2/time", headers={"X-Auth-Token": "mine"})
    assert minted_use.status_code == 401
    assert served_app.get("/_sandbox/stores").status_code == 401


def test_the_admin_token_opens_the_admin_api(served_app: TestClient) -> None:
    assert served_app.get("/_sandbox/stores", headers=ADMIN).json()["data"] == ["shop"]
    assert served_app.post("/_sandbox/stores/shop/reset", headers=ADMIN).status_code == 204
    assert _brands(served_app) == []


def test_a_foreign_host_is_refused_even_with_every_token(served_app: TestClient) -> None:
    """DNS rebinding: the page's own name resolves to 127.0.0.1, its Host header stays."""
    rebound = {"Host": "evil.example:8765", **ADMIN, **API}
    assert served_app.get("/_sandbox/stores", headers=rebound).status_code == 421
    assert served_app.get("/stores/shop/v3/catalog/brands", headers=rebound).status_code == 421
    for host in ("localhost:8765", "127.0.0.1", "[::1]:8765", "LOCALHOST"):
        answer = served_app.get("/stores/shop/v2/time", headers={"Host": host, **API})
        assert answer.status_code == 200, host


def test_an_oversized_admin_body_is_refused(served_app: TestClient) -> None:
    huge = b'{"token": "' + b"x" * MAX_ADMIN_BODY + b'"}'
    refused = served_app.post("/_sandbox/stores/shop/tokens", content=huge, headers=ADMIN)
    assert refused.status_code == 413
    assert refused.json()["status"] == 413


def test_product_images_need_no_admin_token(served_app: TestClient) -> None:
    answer = served_app.get("/_sandbox/stores/shop/cdn/nothing/original")
    assert answer.status_code == 404  # no such image, but not refused


def test_listening_everywhere_checks_no_host_but_still_the_token() -> None:
    guard = ServeGuard.for_host("0.0.0.0", "admin-secret")
    scope = {"path": "/_sandbox/stores", "method": "GET", "headers": [(b"host", b"shop.lan")]}
    assert guard.host_allowed(scope)
    assert not guard.admin_allowed(scope)


def test_a_made_up_token_differs_per_server() -> None:
    first, second = ServeGuard.for_host("127.0.0.1"), ServeGuard.for_host("127.0.0.1")
    assert first.admin_token != second.admin_token


@given(
    name=st.from_regex(r"[a-z0-9][a-z0-9.-]{0,30}", fullmatch=True).filter(
        lambda n: n not in LOOPBACK_NAMES | {"127.0.0.2"}
    ),
    port=st.integers(1, 65535),
)
def test_only_the_bound_address_and_loopback_names_are_accepted(name: str, port: int) -> None:
    guard = ServeGuard.for_host("127.0.0.2", "t")

    def allowed(host: str) -> bool:
        return guard.host_allowed({"headers": [(b"host", host.encode())]})

    assert not allowed(f"{name}:{port}")
    assert not allowed(name)
    assert allowed(f"127.0.0.2:{port}")
    assert allowed(f"localhost:{port}")
