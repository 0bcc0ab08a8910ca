"""Per-endpoint concurrency caps: which paths they cover."""

from __future__ import annotations

from reconciler.live.caps import ENDPOINT_CAPS, cap_for


def test_endpoint_caps_match_paths_with_ids_only_where_stated() -> None:
    upsert = cap_for("PUT", "/v3/pricelists/12/records")
    assert upsert is not None and upsert.limit == 2
    tree = cap_for("GET", "/v3/catalog/trees/1/categories")
    assert tree is not None and tree.limit == 1
    assert cap_for("GET", "/v3/pricelists/12/records/extra") is None
    assert cap_for("GET", "/v3/customers") is None
    customers = cap_for("PUT", "/v3/customers")
    assert customers is not None and customers.limit == 3


def test_every_cap_names_its_source_and_is_small() -> None:
    for cap in ENDPOINT_CAPS:
        assert cap.source.endswith((".yml", "§3)")) and 1 <= cap.limit <= 10
