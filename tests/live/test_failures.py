"""Error answers become the right errors, with clear messages that never show the token."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.errors import ApiDetail, ApiError, AuthError, ConfigError, NotFoundError
from reconciler.live.failures import missing_scope, parse_error_body
from tests.live.conftest import Sandbox

pytestmark = pytest.mark.anyio

TOKEN = "tok-9f8e7d6c5b4a"


async def _add_token(sandbox: Sandbox, store: str, token: str, scopes: object) -> None:
    async with sandbox.client(store) as live:  # creates the store
        await live.get("/v2/time")
    response = await sandbox.admin(
        "POST", f"/stores/{store}/tokens", json={"token": token, "scopes": scopes}
    )
    response.raise_for_status()


async def test_refused_token_names_its_variable_and_store(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with sandbox.client("abc123") as live:  # the store exists, with other tokens
        await live.get("/v2/time")
    monkeypatch.setenv("BC_STAGING_TOKEN", TOKEN)
    async with sandbox.client("abc123", token_env="BC_STAGING_TOKEN") as live:
        with pytest.raises(AuthError) as caught:
            await live.get("/v2/store")
    assert caught.value.message == (
        "the token in $BC_STAGING_TOKEN was refused by store abc123 (staging)"
    )
    assert caught.value.environment == "staging"
    assert caught.value.detail is not None and caught.value.detail.status == 401
    assert TOKEN not in str(caught.value) and TOKEN not in repr(caught.value.detail)


async def test_missing_scope_is_named(sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch) -> None:
    await _add_token(sandbox, "abc123", TOKEN, {"store_v2_information": "read"})
    monkeypatch.setenv("BC_STAGING_TOKEN", TOKEN)
    async with sandbox.client("abc123", token_env="BC_STAGING_TOKEN") as live:
        await live.get("/v2/store")
        with pytest.raises(AuthError) as read:
            await live.get("/v3/catalog/products")
        with pytest.raises(AuthError) as write:
            await live.post("/v3/catalog/brands", {"name": "X"})
    assert read.value.message == (
        "the token for staging lacks the store_v2_products scope; add it to the API account"
    )
    assert write.value.message.startswith(
        "the token for staging lacks the store_v2_products scope with modify access"
    )
    assert read.value.hint.startswith("GET /v3/catalog/products was refused: 403")


def test_scope_comes_from_the_path_when_the_answer_does_not_name_it() -> None:
    bare = ApiDetail("GET", "u", 403, "You don't have a required scope to access the endpoint")
    assert missing_scope(bare, "/v3/catalog/products/5/variants") == "store_v2_products"
    assert missing_scope(bare, "/v2/customer_groups") == "store_v2_customers"
    assert missing_scope(bare, "/v3/themes/actions/activate") == "store_themes_manage"
    assert missing_scope(bare, "/v3/unknown") == ""


async def test_unset_token_variable_is_a_config_error(sandbox: Sandbox) -> None:
    with pytest.raises(ConfigError, match=r"BC_NOT_SET_ANYWHERE is not set"):
        sandbox.client("abc123", token_env="BC_NOT_SET_ANYWHERE")


async def test_404_is_not_found_with_the_request(sandbox: Sandbox) -> None:
    async with sandbox.client() as live:
        with pytest.raises(NotFoundError) as caught:
            await live.get("/v3/catalog/brands/999")
    assert caught.value.message.startswith(
        "GET /v3/catalog/brands/999 found nothing on store teststore (staging): 404"
    )
    assert caught.value.detail is not None and caught.value.detail.method == "GET"


async def test_validation_error_carries_bigcommerce_fields(sandbox: Sandbox) -> None:
    async with sandbox.client() as live:
        with pytest.raises(ApiError) as caught:
            await live.post("/v3/catalog/brands", {"page_title": "no name"})
        assert live.stats.retries == 0
    detail = caught.value.detail
    assert detail is not None and detail.status == 422
    assert "name" in detail.errors
    assert detail.url.endswith("/stores/teststore/v3/catalog/brands")
    assert "POST /v3/catalog/brands on store teststore (staging) failed: 422" in str(caught.value)


async def test_duplicate_is_a_409_api_error(sandbox: Sandbox) -> None:
    async with sandbox.client() as live:
        await live.post("/v3/catalog/brands", {"name": "Twice"})
        with pytest.raises(ApiError) as caught:
            await live.post("/v3/catalog/brands", {"name": "Twice"})
    assert caught.value.detail is not None and caught.value.detail.status == 409


async def test_problem_json_detail_is_kept(sandbox: Sandbox) -> None:
    async with sandbox.client() as live:
        with pytest.raises(ApiError) as caught:
            await live.post("/v3/content/pages", {"type": "page"})
    detail = caught.value.detail
    assert detail is not None and detail.status == 422 and detail.title
    assert detail.errors  # the problem's detail or field errors, not dropped


def test_error_bodies_of_all_three_shapes() -> None:
    v3 = b'{"status":422,"title":"Invalid","type":"t","errors":{"name":"required"}}'
    assert parse_error_body(v3) == ("Invalid", {"name": "required"})
    v2 = b'[{"status":400,"message":"The field name is invalid."}]'
    assert parse_error_body(v2) == ("The field name is invalid.", {})
    problem = b'{"status":422,"title":"Input is invalid","type":"t","detail":"name: required"}'
    assert parse_error_body(problem) == ("Input is invalid", {"detail": "name: required"})
    tree = b'{"errors":{"status":422,"title":"Bad tree","type":"t"},"meta":{"failed":1}}'
    assert parse_error_body(tree) == ("Bad tree", {})
    assert parse_error_body(b"<html>Bad   gateway</html>") == ("<html>Bad gateway</html>", {})


@given(st.binary(max_size=200))
def test_any_error_body_parses_without_failing(body: bytes) -> None:
    title, errors = parse_error_body(body)
    assert isinstance(title, str) and all(isinstance(v, str) for v in errors.values())


async def test_a_token_echoed_by_the_store_is_masked(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BC_ECHO_TOKEN", "echo-token-5f4e3d")
    await sandbox.script_failure(
        {
            "status": 422,
            "path": "/v3/catalog/brands",
            "body": {
                "status": 422,
                "title": "Token echo-token-5f4e3d is odd",
                "type": "t",
                "errors": {"echo-token-5f4e3d": "seen echo-token-5f4e3d"},
            },
        },
        store_hash="echo",
    )
    await sandbox.admin(
        "POST", "/stores/echo/tokens", json={"token": "echo-token-5f4e3d", "scopes": "*"}
    )
    async with sandbox.client("echo", token_env="BC_ECHO_TOKEN") as live:
        with pytest.raises(ApiError) as caught:
            await live.post("/v3/catalog/brands", {"name": "x"})
    shown = f"{caught.value} {caught.value.detail!r}"
    assert "echo-token-5f4e3d" not in shown
    assert "Token *** is odd" in shown
