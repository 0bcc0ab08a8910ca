"""``stagingpro sandbox create|seed|reset|serve``: exit codes, messages, effect on the file."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from starlette.testclient import TestClient

from reconciler.cli.app import main
from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.storage import SandboxDB
from tests.sandbox.conftest import StoreClient
from tests.sandbox.serving import served


def _skus(db: Path, store: str) -> list[str]:
    """The store's product SKUs, read through its API."""
    sandbox = SandboxDB(db)
    try:
        with TestClient(SandboxApp(sandbox)) as http:
            response = StoreClient(http, store).get("/v3/catalog/products", params={"limit": 250})
            return sorted(p["sku"] for p in response.json()["data"])
    finally:
        sandbox.close()


def test_create_is_idempotent(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "nested" / "sandbox.db"
    assert main(["sandbox", "create", "shop", "--db", str(db)]) == 0
    assert main(["sandbox", "create", "shop", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert f"store shop created in {db}" in out
    assert f"store shop already exists in {db}" in out
    sandbox = SandboxDB(db)
    assert sandbox.store_hashes() == ["shop"]
    sandbox.close()


def test_seed_adds_products_numbered_after_existing_ones(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "sandbox.db"
    assert main(["sandbox", "seed", "shop", "--products", "4", "--seed", "9", "--db", str(db)]) == 0
    assert "seeded shop: 4 products (SP9-000000..SP9-000003)" in capsys.readouterr().out
    assert main(["sandbox", "seed", "shop", "--products", "2", "--seed", "9", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "2 products (SP9-000004..SP9-000005)" in out
    assert ", 0 new categories" in out  # the tree is reused by name
    assert _skus(db, "shop") == [f"SP9-{i:06d}" for i in range(6)]


def test_reset_one_store_or_all(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "sandbox.db"
    for store in ("one", "two"):
        assert main(["sandbox", "seed", store, "--products", "2", "--db", str(db)]) == 0
    assert main(["sandbox", "reset", "one", "--db", str(db)]) == 0
    assert _skus(db, "one") == [] and len(_skus(db, "two")) == 2
    assert main(["sandbox", "reset", "--db", str(db)]) == 0
    assert "reset 2 store(s)" in capsys.readouterr().out
    assert _skus(db, "two") == []
    sandbox = SandboxDB(db)
    assert sandbox.store_hashes() == ["one", "two"]  # the stores themselves stay
    sandbox.close()


def test_bad_input_exits_1_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = str(tmp_path / "sandbox.db")
    assert main(["sandbox", "create", "Not_A_Hash", "--db", db]) == 1
    assert "invalid store hash 'Not_A_Hash'" in capsys.readouterr().err
    assert main(["sandbox", "reset", "ghost", "--db", db]) == 1
    assert "no store 'ghost'" in capsys.readouterr().err
    assert main(["sandbox", "seed", "shop", "--products", "100001", "--db", db]) == 1
    assert "--products must be between 0 and 100000" in capsys.readouterr().err
    assert not SandboxDB(db).has_store("shop")  # refused before anything was written
    cert = tmp_path / "cert.pem"
    cert.write_text("not used")
    assert main(["sandbox", "serve", "--db", db, "--certfile", str(cert)]) == 1
    assert "give both --certfile and --keyfile" in capsys.readouterr().err


def test_db_defaults_to_the_file_plan_and_apply_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "from-env.db"
    monkeypatch.setenv("STAGINGPRO_SANDBOX_DB", str(db))
    assert main(["sandbox", "create", "shop"]) == 0
    assert SandboxDB(db).store_hashes() == ["shop"]
    monkeypatch.delenv("STAGINGPRO_SANDBOX_DB")
    monkeypatch.chdir(tmp_path)
    assert main(["sandbox", "create", "other"]) == 0
    assert SandboxDB(tmp_path / ".stagingpro" / "sandbox.db").store_hashes() == ["other"]


def test_serve_prints_a_made_up_admin_token_that_opens_the_admin_api(tmp_path: Path) -> None:
    banner: list[str] = []
    with served(tmp_path / "sandbox.db", admin_token=None, banner=banner) as url:
        admin_line = next(line for line in banner if "admin:" in line)
        token = admin_line.split("Bearer ")[1].rstrip(")\n")
        assert httpx.get(f"{url}/_sandbox/stores").status_code == 401
        answer = httpx.get(f"{url}/_sandbox/stores", headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 200
    assert any("150 requests per 30 s" in line for line in banner)
