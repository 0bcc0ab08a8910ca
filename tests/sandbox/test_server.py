"""``stagingpro sandbox serve`` over a real socket: faults as a client meets them, and a
server that sees what other processes write to its file."""

from __future__ import annotations

import asyncio
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from reconciler.sandbox.server import bind
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


def test_two_servers_on_one_file_lose_no_acknowledged_write(tmp_path: Path) -> None:
    """Two ``serve`` processes on one file, eight concurrent writers each: every brand
    acknowledged is on disk after a restart, under its own id."""
    db = tmp_path / "shared.db"
    acknowledged: list[int] = []
    failures: list[str] = []

    def writer(url: str, name: str) -> None:
        with _client(url) as client:
            for index in range(8):
                brand = {"name": f"{name}-{index}"}
                answer = client.post("/stores/race/v3/catalog/brands", json=brand)
                if answer.status_code == 200:
                    acknowledged.append(answer.json()["data"]["id"])
                else:
                    failures.append(f"{answer.status_code} {answer.text}")

    with served(db, "--quota", "100000") as first, served(db, "--quota", "100000") as second:
        with _client(first) as client:
            _new_store(client, "race")
        writers = [
            threading.Thread(target=writer, args=(url, f"{server}-{number}"))
            for server, url in (("a", first), ("b", second))
            for number in range(8)
        ]
        for thread in writers:
            thread.start()
        for thread in writers:
            thread.join(120)
    assert failures == []
    assert len(acknowledged) == 128
    assert len(set(acknowledged)) == 128
    with served(db) as url, _client(url) as client:
        brands = client.get("/stores/race/v3/catalog/brands", params={"limit": 250}).json()
    assert sorted(b["id"] for b in brands["data"]) == sorted(acknowledged)


def test_accepted_connections_have_tcp_nodelay() -> None:
    """uvicorn serves on asyncio, which turns Nagle's algorithm off only on sockets whose
    protocol is IPPROTO_TCP: with it on, each small answer waits ~40 ms for a delayed ACK."""

    async def nodelay_of_accepted() -> int:
        loop = asyncio.get_running_loop()
        listening = bind("127.0.0.1", 0)
        seen: asyncio.Future[int] = loop.create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                seen.set_result(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
                transport.close()

        server = await loop.create_server(Probe, sock=listening)
        _, writer = await asyncio.open_connection(*listening.getsockname()[:2])
        try:
            return await asyncio.wait_for(seen, 10)
        finally:
            writer.close()
            server.close()

    assert asyncio.run(nodelay_of_accepted()) != 0


def test_small_requests_over_one_connection_are_not_held_back(server: tuple[str, Path]) -> None:
    """With Nagle's algorithm on, every one would take >= 40 ms (the delayed ACK)."""
    url, _ = server
    with _client(url) as client:
        store = _new_store(client, "latency")
        client.get(f"{store}/v2/time")
        times = []
        for _ in range(20):
            started = time.perf_counter()
            assert client.get(f"{store}/v2/time").status_code == 200
            times.append(time.perf_counter() - started)
    assert statistics.median(times) < 0.025


def test_serve_allows_the_standard_plan_quota_unless_raised(server: tuple[str, Path]) -> None:
    url, _ = server
    with _client(url) as client:
        store = _new_store(client, "standard")
        answer = client.get(f"{store}/v2/time")
        assert answer.headers["X-Rate-Limit-Requests-Quota"] == "150"
        client.put("/_sandbox/stores/standard/settings", json={"rate_limit": {"quota": 5000}})
        assert client.get(f"{store}/v2/time").headers["X-Rate-Limit-Requests-Quota"] == "5000"
