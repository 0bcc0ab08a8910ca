"""Redirects V3 in the sandbox: upsert on (from_path, site_id), targets, to_url, filters."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.sandbox.conftest import StoreClient

REDIRECTS = "/v3/storefront/redirects"
SITE = 1000


def _put(store: StoreClient, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    response = store.put(REDIRECTS, json=items)
    assert response.status_code == 201, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def test_upsert_overwrites_on_from_path_and_site(store: StoreClient) -> None:
    first = _put(
        store, [{"from_path": "/old", "site_id": SITE, "to": {"type": "url", "url": "/new"}}]
    )
    again = _put(
        store, [{"from_path": "/old", "site_id": SITE, "to": {"type": "product", "entity_id": 7}}]
    )
    assert first[0]["id"] == again[0]["id"]
    listed = store.get(REDIRECTS).json()["data"]
    assert listed == [
        {
            "id": first[0]["id"],
            "site_id": SITE,
            "from_path": "/old",
            "to": {"type": "product", "entity_id": 7},
        }
    ]


def test_to_url_only_with_include(store: StoreClient) -> None:
    page = store.post("/v3/content/pages", json={"name": "Sizes", "type": "page"}).json()["data"]
    _put(
        store,
        [
            {"from_path": "/a", "site_id": SITE, "to": {"type": "url", "url": "/b"}},
            {"from_path": "/c", "site_id": SITE, "to": {"type": "page", "entity_id": page["id"]}},
            {
                "from_path": "/d",
                "site_id": SITE,
                "to": {"type": "url", "url": "https://x.example/y"},
            },
        ],
    )
    base = store.get("/v3/sites/1000").json()["data"]["url"].rstrip("/")
    got = store.get(REDIRECTS, params={"include": "to_url"}).json()["data"]
    assert [r["to_url"] for r in got] == [f"{base}/b", f"{base}/sizes/", "https://x.example/y"]
    assert "to_url" not in store.get(REDIRECTS).json()["data"][0]


def test_validation_rejects_the_whole_batch(store: StoreClient) -> None:
    cases: list[dict[str, Any]] = [
        {"site_id": SITE, "to": {"type": "url", "url": "/x"}},
        {"from_path": "/x", "to": {"type": "url", "url": "/x"}},
        {"from_path": "/x", "site_id": 4242, "to": {"type": "url", "url": "/x"}},
        {"from_path": "/x", "site_id": SITE, "to": {"type": "teleport", "url": "/x"}},
        {"from_path": "/x", "site_id": SITE, "to": {"type": "url"}},
        {"from_path": "/x", "site_id": SITE, "to": {"type": "brand"}},
    ]
    for bad in cases:
        good = {"from_path": "/fine", "site_id": SITE, "to": {"type": "url", "url": "/ok"}}
        response = store.put(REDIRECTS, json=[good, bad])
        assert response.status_code == 422, bad
        assert any(key.startswith("[1].") for key in response.json()["errors"]), bad
    assert store.get(REDIRECTS).json()["data"] == []


def test_to_url_follows_catalogue_urls(store: StoreClient) -> None:
    product = store.post(
        "/v3/catalog/products",
        json={
            "name": "Trail Shoe",
            "type": "physical",
            "weight": 1,
            "price": 79,
            "custom_url": {"url": "/trail-shoe/", "is_customized": True},
        },
    ).json()["data"]
    brand = store.post("/v3/catalog/brands", json={"name": "Peak"}).json()["data"]
    _put(
        store,
        [
            {
                "from_path": "/p",
                "site_id": SITE,
                "to": {"type": "product", "entity_id": product["id"]},
            },
            {"from_path": "/b", "site_id": SITE, "to": {"type": "brand", "entity_id": brand["id"]}},
        ],
    )
    base = store.get("/v3/sites/1000").json()["data"]["url"].rstrip("/")
    got = store.get(REDIRECTS, params={"include": "to_url"}).json()["data"]
    assert got[0]["to_url"] == f"{base}/trail-shoe/"
    assert got[1]["to_url"] == base + brand["custom_url"]["url"]


def test_filters_keyword_sort_and_pagination(store: StoreClient) -> None:
    _put(
        store,
        [
            {"from_path": path, "site_id": SITE, "to": {"type": "url", "url": "/t"}}
            for path in ("/blue", "/blue-shirt", "/royal-blue-shirt", "/amber")
        ],
    )
    keyword = store.get(REDIRECTS, params={"keyword": "blue"}).json()["data"]
    assert [r["from_path"] for r in keyword] == ["/blue", "/blue-shirt"]
    ordered = store.get(REDIRECTS, params={"sort": "from_path"}).json()["data"]
    assert ordered[0]["from_path"] == "/amber"
    page = store.get(REDIRECTS, params={"limit": 3, "page": 2}).json()
    assert page["meta"]["pagination"]["total"] == 4 and len(page["data"]) == 1
    assert store.get(REDIRECTS, params={"site_id": 1}).json()["data"] == []
    ids = [r["id"] for r in ordered]
    assert len(store.get(REDIRECTS, params={"id:in": f"{ids[0]},{ids[1]}"}).json()["data"]) == 2


def test_delete_by_ids_or_site(store: StoreClient) -> None:
    made = _put(
        store,
        [
            {"from_path": f"/p{n}", "site_id": SITE, "to": {"type": "url", "url": "/t"}}
            for n in range(3)
        ],
    )
    assert store.delete(REDIRECTS).status_code == 422
    assert store.delete(REDIRECTS, params={"id:in": str(made[0]["id"])}).status_code == 204
    assert len(store.get(REDIRECTS).json()["data"]) == 2
    assert store.delete(REDIRECTS, params={"site_id": SITE}).status_code == 204
    assert store.get(REDIRECTS).json()["data"] == []


_paths = st.sampled_from(["/a", "/A", "/b", "/c/d", "/e?x=1"])
_batches = st.lists(
    st.lists(st.tuples(_paths, st.integers(min_value=1, max_value=99)), min_size=1, max_size=6),
    min_size=1,
    max_size=4,
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(batches=_batches)
def test_upserts_behave_like_a_map_keyed_on_path(
    store: StoreClient, batches: list[list[tuple[str, int]]]
) -> None:
    """Any sequence of upserts leaves one redirect per (case-insensitive) from_path, holding
    the last target written, and an id that never changes once assigned."""
    assert store.delete(REDIRECTS, params={"site_id": SITE}).status_code == 204
    expected: dict[str, str] = {}
    ids: dict[str, int] = {}
    for batch in batches:
        items = [
            {"from_path": path, "site_id": SITE, "to": {"type": "url", "url": f"/t{n}"}}
            for path, n in batch
        ]
        for item in _put(store, items):
            key = item["from_path"].lower()
            assert ids.setdefault(key, item["id"]) == item["id"]
        for path, n in batch:
            expected[path.lower()] = f"/t{n}"
    listed = store.get(REDIRECTS, params={"limit": 250}).json()["data"]
    assert {r["from_path"].lower(): r["to"]["url"] for r in listed} == expected
    assert len(listed) == len(expected)
