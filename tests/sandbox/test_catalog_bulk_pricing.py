"""Bulk pricing rules: required fields, types, overlapping ranges."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sandbox.catalog_support import PRODUCTS, new_product
from tests.sandbox.conftest import StoreClient


def rule(low: int, high: int, kind: str = "price", amount: float = 1) -> dict[str, object]:
    return {"quantity_min": low, "quantity_max": high, "type": kind, "amount": amount}


def test_crud_and_404(store: StoreClient) -> None:
    p = new_product(store, "Shoe")
    base = f"{PRODUCTS}/{p['id']}/bulk-pricing-rules"
    made = store.post(base, json=rule(2, 5)).json()["data"]
    assert made["type"] == "price" and made["quantity_max"] == 5
    assert store.get(f"{base}/{made['id']}").json()["data"] == made
    changed = store.put(f"{base}/{made['id']}", json={"amount": 3, "type": "fixed"}).json()["data"]
    assert (changed["amount"], changed["type"], changed["id"]) == (3, "fixed", made["id"])
    assert store.get(f"{base}/999").status_code == 404
    assert store.delete(f"{base}/{made['id']}").status_code == 204
    assert store.get(base).json()["data"] == []


def test_validation(store: StoreClient) -> None:
    p = new_product(store, "Shoe")
    base = f"{PRODUCTS}/{p['id']}/bulk-pricing-rules"
    missing = store.put(f"{base}/1", json={})
    assert missing.status_code == 404
    made = store.post(base, json=rule(1, 2)).json()["data"]
    assert store.put(f"{base}/{made['id']}", json={"type": "bogus"}).status_code == 422
    assert (
        store.put(f"{base}/{made['id']}", json={"quantity_min": 5, "quantity_max": 3}).status_code
        == 422
    )
    assert (
        store.put(f"{base}/{made['id']}", json={"type": "percent", "amount": 150}).status_code
        == 422
    )


def test_overlaps_are_409(store: StoreClient) -> None:
    p = new_product(store, "Shoe")
    base = f"{PRODUCTS}/{p['id']}/bulk-pricing-rules"
    store.post(base, json=rule(1, 4))
    last = store.post(base, json=rule(10, 0)).json()["data"]  # 10 and up
    middle = store.post(base, json=rule(5, 9)).json()["data"]
    assert middle["quantity_min"] == 5
    overlap = store.put(f"{base}/{middle['id']}", json={"quantity_max": 12})
    assert overlap.status_code == 409
    assert store.put(f"{base}/{last['id']}", json={"quantity_min": 11}).status_code == 200
    ranges = [(r["quantity_min"], r["quantity_max"]) for r in store.get(base).json()["data"]]
    assert ranges == [(1, 4), (5, 9), (11, 0)]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ranges=st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=8))
def test_accepted_rules_never_overlap(store: StoreClient, ranges: list[tuple[int, int]]) -> None:
    """Whatever is posted, the stored quantity ranges stay pairwise disjoint, and each
    rejected rule overlaps a stored one (0 as maximum means no upper bound)."""
    p = new_product(store, f"Bulk {len(store.get(PRODUCTS).json()['data'])}")
    base = f"{PRODUCTS}/{p['id']}/bulk-pricing-rules"

    def overlap(a: tuple[int, float], b: tuple[int, float]) -> bool:
        return a[0] <= b[1] and b[0] <= a[1]

    for low, high in ranges:
        stored = [
            (r["quantity_min"], r["quantity_max"] or float("inf"))
            for r in store.get(base).json()["data"]
        ]
        status = store.post(base, json=rule(low, high)).status_code
        if high and high < low:
            assert status == 422
        elif any(overlap((low, high or float("inf")), s) for s in stored):
            assert status == 409
        else:
            assert status == 200
