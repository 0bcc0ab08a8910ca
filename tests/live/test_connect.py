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
    proxied = connect("proxied", config.environments["proxied"], transport=sandbox.transport)
    assert proxied.base_url == "https://bc-proxy.example.com/stores/abc123"
    await proxied.aclose()


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
