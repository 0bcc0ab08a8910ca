"""connect(): environments from stagingpro.yaml to clients, for real stores and the sandbox."""

from __future__ import annotations

import pytest

from reconciler.config import StoreBackend, effective_environment, parse_config
from reconciler.errors import ConfigError
from reconciler.live import connect
from reconciler.live.connect import sandbox_db_path
from tests.live.conftest import Sandbox

pytestmark = pytest.mark.anyio

CONFIG = {
    "version": 1,
    "environments": {
        "production": {"backend": {"store_hash": "abc123", "token_env": "BC_PRODUCTION_TOKEN"}},
        "proxied": {
            "backend": {
                "store_hash": "abc123",
                "token_env": "BC_PRODUCTION_TOKEN",
                "api_url": "https://bc-proxy.example.com/",
            }
        },
        "staging": {"backend": {"sandbox": "ridgeline-staging"}},
    },
}


async def test_a_store_environment_uses_the_bigcommerce_url_and_its_token(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = parse_config(CONFIG)
    monkeypatch.setenv("BC_PRODUCTION_TOKEN", "prod-token-123456")
    (await sandbox.admin("POST", "/stores", json={"store_hash": "abc123"})).raise_for_status()
    await sandbox.admin(
        "POST", "/stores/abc123/tokens", json={"token": "prod-token-123456", "scopes": "*"}
    )
    production = effective_environment(config, "production")
    live = connect("production", production, transport=sandbox.transport)
    assert live.base_url == "https://api.bigcommerce.com/stores/abc123"
    async with live:
        assert (await live.get("/v2/store"))["id"] == "abc123"
    monkeypatch.setenv("STAGINGPRO_ALLOWED_API_HOSTS", "other.example, BC-proxy.example.com")
    proxied = connect("proxied", config.environments["proxied"], transport=sandbox.transport)
    assert proxied.base_url == "https://bc-proxy.example.com/stores/abc123"
    await proxied.aclose()


def test_an_api_url_on_another_host_is_refused_before_the_token_is_read(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The repository (a pull request) chose the host; only the machine may allow it.
    monkeypatch.delenv("STAGINGPRO_ALLOWED_API_HOSTS", raising=False)
    monkeypatch.delenv("BC_PRODUCTION_TOKEN", raising=False)
    config = parse_config(CONFIG)
    for access in ("read", "write"):
        with pytest.raises(ConfigError) as caught:
            connect("proxied", config.environments["proxied"], access=access)
        assert "api_url https://bc-proxy.example.com/ is not BigCommerce's API host" in (
            caught.value.message
        )
        assert "STAGINGPRO_ALLOWED_API_HOSTS=bc-proxy.example.com" in (caught.value.hint or "")
    # A look-alike host is not BigCommerce's.
    backend = StoreBackend(
        store_hash="abc123", token_env="BC_PRODUCTION_TOKEN",
        api_url="https://api.bigcommerce.com.evil.example/",
    )
    with pytest.raises(ConfigError, match="not BigCommerce's API host"):
        connect("production", backend)


async def test_reading_takes_the_read_only_token_and_writing_the_write_token(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = StoreBackend(
        store_hash="abc123", token_env="BC_WRITE_TOKEN", read_token_env="BC_READ_TOKEN"
    )
    monkeypatch.setenv("BC_READ_TOKEN", "read-token-4a1f")
    monkeypatch.delenv("BC_WRITE_TOKEN", raising=False)
    (await sandbox.admin("POST", "/stores", json={"store_hash": "abc123"})).raise_for_status()
    await sandbox.admin(
        "POST", "/stores/abc123/tokens",
        json={"token": "read-token-4a1f", "scopes": {"store_v2_information": "read"}},
    )
    # The write token's variable is not even set: a read never needs it.
    reader = connect("production", backend, transport=sandbox.transport, access="read")
    async with reader:
        assert (await reader.get("/v2/store"))["id"] == "abc123"
    with pytest.raises(ConfigError, match="BC_WRITE_TOKEN is not set"):
        connect("production", backend, transport=sandbox.transport)


def test_a_store_environment_without_its_token_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("BC_PRODUCTION_TOKEN", raising=False)
    backend = StoreBackend(store_hash="abc123", token_env="BC_PRODUCTION_TOKEN")
    with pytest.raises(ConfigError) as caught:
        connect("production", backend)
    assert "BC_PRODUCTION_TOKEN is not set" in caught.value.message
    assert "abc123 (production)" in caught.value.message


async def test_a_sandbox_environment_works_with_no_setup(sandbox: Sandbox) -> None:
    staging = effective_environment(parse_config(CONFIG), "staging")
    async with connect("staging", staging, transport=sandbox.transport) as live:
        assert (await live.get("/v2/store"))["id"] == "ridgeline-staging"
        assert live.context.environment == "staging"


def test_sandbox_db_path_precedence(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("STAGINGPRO_SANDBOX_DB", "/tmp/from-env.db")
    assert str(sandbox_db_path("/x/explicit.db")) == "/x/explicit.db"
    assert str(sandbox_db_path()) == "/tmp/from-env.db"
    monkeypatch.delenv("STAGINGPRO_SANDBOX_DB")
    assert sandbox_db_path().parts[-2:] == (".stagingpro", "sandbox.db")
