"""Category trees and tree categories: batches with per-item errors, sibling names, depth."""

from __future__ import annotations

from typing import Any

from tests.sandbox.catalog_support import PRODUCTS, new_product
from tests.sandbox.conftest import StoreClient

T = "/v3/catalog/trees"
C = "/v3/catalog/trees/categories"


def make(store: StoreClient, *items: dict[str, Any]) -> list[dict[str, Any]]:
    response = store.post(C, json=list(items))
    assert response.status_code == 201, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


def test_default_tree_exists_for_channel_1(store: StoreClient) -> None:
    trees = store.get(T).json()["data"]
    assert trees == [{"id": 1, "name": "Default", "channels": [1]}]


def test_create_nested_and_read_the_tree(store: StoreClient) -> None:
    (shoes,) = make(store, {"name": "Shoes", "tree_id": 1})
    assert shoes["url"] == {"path": "/shoes/", "is_customized": False}
    assert shoes["parent_id"] == 0 and shoes["tree_id"] == 1 and shoes["category_uuid"]
    (trail,) = make(store, {"name": "Trail", "parent_id": shoes["category_id"]})
    assert trail["url"]["path"] == "/shoes/trail/" and trail["tree_id"] == 1
    nested = store.get(f"{T}/1/categories").json()["data"]
    assert nested[0]["name"] == "Shoes" and nested[0]["depth"] == 1
    child = nested[0]["children"][0]
    assert (child["name"], child["depth"], child["path"]) == ("Trail", 2, [shoes["category_id"]])
    shallow = store.get(f"{T}/1/categories", params={"depth": 1}).json()["data"]
    assert shallow[0]["children"] == []
    assert store.get(f"{T}/99/categories").status_code == 404


def test_required_fields_and_partial_success_207(store: StoreClient) -> None:
    (shoes,) = make(store, {"name": "Shoes", "tree_id": 1})
    response = store.post(
        C,
        json=[
            {"name": "Hats", "tree_id": 1},
            {"name": "shoes", "tree_id": 1},
            {"name": "Orphan"},
            {"name": "x" * 51, "tree_id": 1},
        ],
    )
    assert response.status_code == 207
    body = response.json()
    assert [c["name"] for c in body["data"]] == ["Hats"]
    assert body["meta"] == {"total": 4, "success": 1, "failed": 3}
    assert set(body["errors"]["errors"]) == {"1.name", "2.tree_id", "3.name"}
    all_bad = store.post(C, json=[{"name": "Shoes", "tree_id": 1}])
    assert all_bad.status_code == 422 and all_bad.json()["meta"]["failed"] == 1
    same_name_elsewhere = make(store, {"name": "Shoes", "parent_id": shoes["category_id"]})
    assert same_name_elsewhere[0]["url"]["path"] == "/shoes/shoes/"


def test_depth_at_most_8(store: StoreClient) -> None:
    parent = make(store, {"name": "L1", "tree_id": 1})[0]["category_id"]
    for level in range(2, 9):
        parent = make(store, {"name": f"L{level}", "parent_id": parent})[0]["category_id"]
    too_deep = store.post(C, json=[{"name": "L9", "parent_id": parent}])
    assert too_deep.status_code == 422


def test_url_path_unique(store: StoreClient) -> None:
    make(store, {"name": "A", "tree_id": 1, "url": {"path": "/sale/", "is_customized": True}})
    clash = store.post(C, json=[{"name": "B", "tree_id": 1, "url": {"path": "/SALE/"}}])
    assert clash.status_code == 422
    assert (
        store.post(
            PRODUCTS,
            json={
                "name": "P",
                "type": "physical",
                "weight": 1,
                "price": 1,
                "custom_url": {"url": "/sale/"},
            },
        ).status_code
        == 409
    )


def test_update_move_and_rename_rules(store: StoreClient) -> None:
    a, b = make(store, {"name": "A", "tree_id": 1}, {"name": "B", "tree_id": 1})
    (child,) = make(store, {"name": "Child", "parent_id": a["category_id"]})
    ok = store.put(C, json=[{"category_id": child["category_id"], "parent_id": b["category_id"]}])
    assert ok.status_code == 200 and ok.json()["data"][0]["parent_id"] == b["category_id"]
    mixed = store.put(
        C,
        json=[
            {"category_id": a["category_id"], "description": "first"},
            {"category_id": b["category_id"], "name": "a"},
            {"category_id": b["category_id"], "parent_id": child["category_id"]},
            {"name": "no id"},
        ],
    )
    assert mixed.status_code == 207
    assert set(mixed.json()["errors"]["errors"]) == {"1.name", "2.parent_id", "3.category_id"}


def test_list_filters_and_delete(store: StoreClient) -> None:
    a, b = make(store, {"name": "A", "tree_id": 1}, {"name": "B", "tree_id": 1})
    (child,) = make(store, {"name": "Child", "parent_id": a["category_id"]})
    p = new_product(store, "Shoe", categories=[child["category_id"], b["category_id"]])

    def names(**params: str) -> list[str]:
        return [c["name"] for c in store.get(C, params=params).json()["data"]]

    assert names() == ["A", "B", "Child"]
    assert names(**{"parent_id:in": str(a["category_id"])}) == ["Child"]
    assert names(**{"name:like": "chi"}) == ["Child"]
    assert names(**{"category_id:in": str(b["category_id"])}) == ["B"]
    assert store.delete(C).status_code == 422
    gone = store.delete(C, params={"category_id:in": str(a["category_id"])})
    assert gone.status_code == 202
    assert names() == ["B"]
    assert store.get(f"{PRODUCTS}/{p['id']}").json()["data"]["categories"] == [b["category_id"]]


def test_trees_upsert_channels_and_delete(store: StoreClient) -> None:
    made = store.put(T, json=[{"name": "EU", "channels": [2]}])
    assert made.status_code == 200
    eu = made.json()["data"][0]
    assert store.put(T, json=[{"name": "Clash", "channels": [1]}]).status_code == 422
    assert store.put(T, json=[{"name": "No channels"}]).status_code == 422
    assert (
        store.put(T, json=[{"id": eu["id"], "name": "Europe"}]).json()["data"][0]["name"]
        == "Europe"
    )
    assert (
        store.put(T, json=[{"name": f"t{i}", "channels": [100 + i]} for i in range(51)]).status_code
        == 413
    )
    make(store, {"name": "Euro shoes", "tree_id": eu["id"]})
    assert [t["id"] for t in store.get(T, params={"channel_id:in": "2"}).json()["data"]] == [
        eu["id"]
    ]
    assert store.delete(T).status_code == 422
    assert store.delete(T, params={"id:in": str(eu["id"])}).status_code == 204
    assert [c["name"] for c in store.get(C).json()["data"]] == []
