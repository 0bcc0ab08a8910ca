"""Injected faults (latency, 5xx, timeouts, drops) and scripted failures, per store and seeded."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from reconciler.errors import ConfigError
from reconciler.sandbox.faults import FaultInjector, Outcome
from reconciler.sandbox.settings import FaultSettings, add_failure, update_settings
from reconciler.sandbox.stores import DEFAULT_TOKEN
from reconciler.sandbox.transport import SANDBOX_BASE_URL, SandboxTransport
from tests.sandbox.catalog_support import PRODUCTS, product_body
from tests.sandbox.conftest import Clocked

BRANDS = "/v3/catalog/brands"


@dataclass
class Faulty(Clocked):
    """A clocked sandbox with helpers to set faults and read the request log."""

    def configure(self, **faults: Any) -> None:
        """Replace the store's faults with ``faults`` (the rest at their defaults)."""
        seed = faults.pop("seed", 0)
        full = FaultSettings(**faults).model_dump()
        response = self.http.put(
            "/_sandbox/stores/teststore/settings", json={"faults": full, "seed": seed}
        )
        assert response.status_code == 200, response.text

    def statuses(self) -> list[int]:
        log = self.http.get("/_sandbox/stores/teststore/requests").json()["data"]
        return [entry["status"] for entry in log]


@pytest.fixture
def faulty(clocked: Clocked) -> Faulty:
    return Faulty(clocked.store, clocked.clock, clocked.http, clocked.app, clocked.db)


def _outcomes(faulty: Faulty, count: int) -> list[str]:
    seen = []
    for _ in range(count):
        try:
            seen.append(str(faulty.store.get("/v2/time").status_code))
        except httpx.ReadTimeout:
            seen.append("timeout")
        except httpx.RemoteProtocolError:
            seen.append("drop")
    return seen


def test_latency_is_fixed_plus_seeded_jitter(faulty: Faulty) -> None:
    faulty.configure(latency_ms=200, jitter_ms=100, seed=7)
    delays = []
    for _ in range(20):
        before = faulty.clock.now()
        assert faulty.store.get("/v2/time").status_code == 200
        delays.append(faulty.clock.now() - before)
    assert all(0.2 <= d <= 0.3 for d in delays)
    assert len({round(d, 6) for d in delays}) > 10  # jitter varies per request
    faulty.configure(latency_ms=200, jitter_ms=100, seed=7)  # same seed: same delays
    again = []
    for _ in range(20):
        before = faulty.clock.now()
        faulty.store.get("/v2/time")
        again.append(faulty.clock.now() - before)
    assert again == pytest.approx(delays)


def test_fault_sequences_are_deterministic_per_seed(faulty: Faulty) -> None:
    rates = {"error_rate": 0.2, "timeout_rate": 0.1, "drop_rate": 0.1}
    faulty.configure(**rates, seed=42)
    first = _outcomes(faulty, 60)
    faulty.configure(**rates, seed=42)
    assert _outcomes(faulty, 60) == first
    faulty.configure(**rates, seed=43)
    assert _outcomes(faulty, 60) != first
    assert {"200", "503", "timeout", "drop"} <= set(first)


def test_error_rate_answers_5xx_with_bigcommerce_body_and_applies_nothing(
    faulty: Faulty,
) -> None:
    faulty.configure(error_rate=1.0, error_status=502)
    failed = faulty.store.post(BRANDS, json={"name": "Summit"})
    assert failed.status_code == 502
    assert failed.json()["status"] == 502
    assert "X-Rate-Limit-Requests-Left" in failed.headers
    faulty.configure()
    assert faulty.store.get(BRANDS).json()["data"] == []


def test_timeout_applies_the_write_but_loses_the_answer(faulty: Faulty) -> None:
    faulty.configure(timeout_rate=1.0)
    with pytest.raises(httpx.ReadTimeout):
        faulty.store.post(BRANDS, json={"name": "Summit"})
    faulty.configure()
    names = [b["name"] for b in faulty.store.get(BRANDS).json()["data"]]
    assert names == ["Summit"]  # the store did the work
    assert faulty.statuses()[0] == 0  # no answer was sent


def test_drop_closes_the_connection_before_anything_is_applied(faulty: Faulty) -> None:
    faulty.configure(drop_rate=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        faulty.store.post(BRANDS, json={"name": "Summit"})
    faulty.configure()
    assert faulty.store.get(BRANDS).json()["data"] == []
    assert faulty.statuses()[0] == 0


def test_in_process_transport_raises_what_httpx_raises(faulty: Faulty) -> None:
    async def one(kind: str) -> None:
        faulty.configure(**{f"{kind}_rate": 1.0})
        async with httpx.AsyncClient(
            transport=SandboxTransport(faulty.app),
            base_url=SANDBOX_BASE_URL,
            headers={"X-Auth-Token": DEFAULT_TOKEN},
        ) as client:
            await client.get("/stores/teststore/v2/time")

    with pytest.raises(httpx.ReadTimeout):
        asyncio.run(one("timeout"))
    with pytest.raises(httpx.RemoteProtocolError):
        asyncio.run(one("drop"))


def test_scripted_failure_matches_method_path_and_sku_and_counts_down(faulty: Faulty) -> None:
    body = {"status": 422, "title": "Scripted", "type": "x", "errors": {"sku": "rejected"}}
    created = faulty.http.post(
        "/_sandbox/stores/teststore/failures",
        json={
            "method": "POST",
            "path": "/v3/catalog/brands*",
            "sku": "bad-1",
            "status": 422,
            "body": body,
            "count": 2,
        },
    )
    assert created.status_code == 201
    failure_id = created.json()["data"]["id"]
    ok = faulty.store.post(BRANDS, json={"name": "Clean"})
    assert ok.status_code == 200
    # The SKU sits anywhere in the body, compared case-insensitively.
    nested = {"name": "Dirty", "meta": {"items": [{"sku": "BAD-1"}]}}
    for _ in range(2):
        refused = faulty.http.post(
            "/stores/teststore/v3/catalog/brands",
            json=nested,
            headers={"X-Auth-Token": DEFAULT_TOKEN},
        )
        assert refused.status_code == 422
        assert refused.json() == body
    listed = faulty.http.get("/_sandbox/stores/teststore/failures").json()["data"]
    assert listed == []  # the count ran out
    assert failure_id == 1
    names = [b["name"] for b in faulty.store.get(BRANDS).json()["data"]]
    assert names == ["Clean"]  # scripted failures apply nothing


def test_scripted_failure_default_body_follows_the_api_version(faulty: Faulty) -> None:
    faulty.http.post("/_sandbox/stores/teststore/failures", json={"path": "/v2/*", "status": 500})
    v2 = faulty.store.get("/v2/time")
    assert v2.status_code == 500 and v2.json()[0]["status"] == 500
    assert faulty.store.get(BRANDS).status_code == 200  # other paths are untouched
    assert faulty.http.delete("/_sandbox/stores/teststore/failures/1").status_code == 204
    assert faulty.http.delete("/_sandbox/stores/teststore/failures/1").status_code == 404
    assert faulty.store.get("/v2/time").status_code == 200


def test_bad_settings_are_refused_naming_the_field(faulty: Faulty) -> None:
    response = faulty.http.put(
        "/_sandbox/stores/teststore/settings", json={"faults": {"error_rate": 2}}
    )
    assert response.status_code == 422
    assert "faults.error_rate" in response.json()["errors"]["body"]
    unknown = faulty.http.put("/_sandbox/stores/teststore/settings", json={"fault": {}})
    assert unknown.status_code == 422 and "fault" in unknown.json()["errors"]["body"]
    with pytest.raises(ConfigError, match="must not exceed 1"):
        update_settings(faulty.db, "teststore", {"faults": {"error_rate": 0.6, "drop_rate": 0.6}})
    with pytest.raises(ConfigError, match="status"):
        add_failure(faulty.db, "teststore", {"path": "/v3/*"})
    current = faulty.http.get("/_sandbox/stores/teststore/settings").json()["data"]
    assert current["faults"] == FaultSettings().model_dump()


def test_settings_merge_and_reset(faulty: Faulty) -> None:
    faulty.http.put("/_sandbox/stores/teststore/settings", json={"rate_limit": {"quota": 150}})
    faulty.http.put("/_sandbox/stores/teststore/settings", json={"faults": {"latency_ms": 5}})
    data = faulty.http.get("/_sandbox/stores/teststore/settings").json()["data"]
    assert data["rate_limit"] == {"quota": 150, "window_ms": 30_000}
    assert data["faults"]["latency_ms"] == 5
    assert faulty.http.delete("/_sandbox/stores/teststore/settings").status_code == 204
    reset = faulty.http.get("/_sandbox/stores/teststore/settings").json()["data"]
    assert reset["rate_limit"]["quota"] > 150 and reset["faults"]["latency_ms"] == 0


def test_reset_deletes_the_data_and_keeps_tokens_and_settings(faulty: Faulty) -> None:
    faulty.http.put("/_sandbox/stores/teststore/settings", json={"rate_limit": {"quota": 99}})
    first = faulty.store.post(BRANDS, json={"name": "Summit"}).json()["data"]
    assert faulty.http.post("/_sandbox/stores/teststore/reset").status_code == 204
    assert faulty.store.get(BRANDS).json()["data"] == []
    again = faulty.store.post(BRANDS, json={"name": "Summit"})
    assert again.status_code == 200
    assert again.json()["data"]["id"] == first["id"]  # ids restart after a reset
    assert again.headers["X-Rate-Limit-Requests-Quota"] == "99"


def test_the_injector_draws_two_numbers_per_request_whatever_the_rates() -> None:
    calm = FaultInjector(FaultSettings(latency_ms=1), seed=5)
    stormy = FaultInjector(FaultSettings(latency_ms=1, error_rate=0.5), seed=5)
    for _ in range(50):
        a, b = calm.draw(), stormy.draw()
        assert a.delay_s == b.delay_s
        assert a.outcome is Outcome.SERVE


def test_reset_makes_the_default_category_tree_and_stock_theme_again(faulty: Faulty) -> None:
    def add_category(name: str) -> int:
        answer = faulty.store.post(
            "/v3/catalog/trees/categories", json=[{"name": name, "parent_id": 0, "tree_id": 1}]
        )
        return answer.status_code

    assert add_category("Footwear") in (200, 201)
    assert faulty.http.post("/_sandbox/stores/teststore/reset").status_code == 204
    assert add_category("Footwear") in (200, 201)
    themes = faulty.store.get("/v3/themes").json()["data"]
    assert [t["name"] for t in themes if t["is_active"]] == ["Cornerstone"]


@pytest.mark.parametrize("by", [{"sku": "BAD-1"}, {"product_id": 2}])
def test_scripted_failure_matches_the_product_a_batch_update_names_by_id(
    faulty: Faulty, by: dict[str, Any]
) -> None:
    """``PUT /v3/catalog/products`` sends ids only: the failure still finds its product."""
    for name, sku in (("Clean", "OK-1"), ("Dirty", "bad-1")):
        faulty.store.create(PRODUCTS, product_body(name, sku=sku))
    script = {"method": "PUT", "path": PRODUCTS, "status": 422, **by}
    assert faulty.http.post("/_sandbox/stores/teststore/failures", json=script).status_code == 201
    clean_only = faulty.store.put(PRODUCTS, json=[{"id": 1, "price": 11}])
    assert clean_only.status_code == 200
    batch = faulty.store.put(PRODUCTS, json=[{"id": 1, "price": 12}, {"id": 2, "price": 12}])
    assert batch.status_code == 422
    one = faulty.store.put(f"{PRODUCTS}/2", json={"price": 13})
    assert one.status_code == 200  # the glob names the batch path only
    prices = [p["price"] for p in faulty.store.get(PRODUCTS).json()["data"]]
    assert prices == [11, 13]  # the refused batch applied nothing
