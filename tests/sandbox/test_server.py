"""``stagingpro sandbox serve`` over a real socket: faults as a client meets them, and a
server that sees what other processes write to its file."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reconciler.sandbox.stores import DEFAULT_TOKEN
from tests.sandbox.serving import ADMIN_HEADERS, STAGINGPRO, served


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    db = tmp_path_factory.mktemp("served") / "sandbox.db"
    with served(db) as url:
        yield url, db


def _client(url: str, read_timeout: float = 10.0) -> httpx.Client:
    timeout = httpx.Timeout(10.0, read=read_timeout)
    headers = {"X-Auth-Token": DEFAULT_TOKEN, **ADMIN_HEADERS}
    return httpx.Client(base_url=url, headers=headers, timeout=timeout)


def _new_store(client: httpx.Client, name: str) -> str:
    assert client.post("/_sandbox/stores", json={"store_hash": name}).status_code == 201
    return f"/stores/{name}"


def test_a_timeout_is_a_stall_and_the_write_still_happens(server: tuple[str, Path]) -> None:
    url, _ = server
    with _client(url) as client:
        store = _new_store(client, "stall")
        client.put("/_sandbox/stores/stall/settings", json={"faults": {"timeout_rate": 1.0}})
        with _client(url, read_timeout=0.5) as impatient, pytest.raises(httpx.ReadTimeout):
            impatient.post(f"{store}/v3/catalog/brands", json={"name": "Summit"})
        client.delete("/_sandbox/stores/stall/settings")
        brands = client.get(f"{store}/v3/catalog/brands").json()["data"]
        assert [b["name"] for b in brands] == ["Summit"]


def test_a_drop_closes_the_connection(server: tuple[str, Path]) -> None:
    url, _ = server
    with _client(url) as client:
        store = _new_store(client, "drop")
        client.put("/_sandbox/stores/drop/settings", json={"faults": {"drop_rate": 1.0}})
        # Depending on timing the client sees the closed connection while reading the
        # (absent) answer, or as a reset: both are what a dropped connection looks like.
        with pytest.raises((httpx.RemoteProtocolError, httpx.ReadError)):
            client.post(f"{store}/v3/catalog/brands", json={"name": "Summit"})
        client.delete("/_sandbox/stores/drop/settings")
        assert client.get(f"{store}/v3/catalog/brands").json()["data"] == []
        # The server is still up and serving after the dropped connection.
        assert client.get(f"{store}/v2/time").status_code == 200


def test_rate_limit_headers_over_the_wire(server: tuple[str, Path]) -> None:
    url, _ = server
    with _client(url) as client:
        store = _new_store(client, "limited")
        client.put("/_sandbox/stores/limited/settings", json={"rate_limit": {"quota": 2}})
        statuses = [client.get(f"{store}/v2/time").status_code for _ in range(3)]
        assert statuses == [200, 200, 429]
        refused = client.get(f"{store}/v2/time")
        assert int(refused.headers["X-Retry-After"]) >= 1
        assert refused.headers["X-Rate-Limit-Requests-Quota"] == "2"


def test_the_server_sees_what_another_process_writes(server: tuple[str, Path]) -> None:
    """Seeding from the CLI while the server runs: the server picks the change up from
    SQLite's data_version on its next request, with no restart."""
    url, db = server
    with _client(url) as client:
        store = _new_store(client, "shared")
        assert client.get(f"{store}/v3/catalog/products").json()["data"] == []
        done = subprocess.run(
            [STAGINGPRO, "sandbox", "seed", "shared", "--products", "3", "--db", str(db)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        products = client.get(f"{store}/v3/catalog/products").json()["data"]
        assert [p["sku"] for p in products] == ["SP0-000000", "SP0-000001", "SP0-000002"]


def test_data_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "kept.db"
    with served(db) as url, _client(url) as client:
        store = _new_store(client, "kept")
        created = client.post(f"{store}/v3/catalog/brands", json={"name": "Cedar Works"})
        assert created.status_code == 200
    with served(db) as url, _client(url) as client:
        brands = client.get("/stores/kept/v3/catalog/brands").json()["data"]
        assert [b["name"] for b in brands] == ["Cedar Works"]
