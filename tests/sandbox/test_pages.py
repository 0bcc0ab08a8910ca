"""Pages V3 in the sandbox: bulk create/update/delete, body visibility, uniqueness, limits."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.sandbox.resources.pages import MAX_PAGES
from reconciler.sandbox.storage import SandboxDB
from tests.sandbox.conftest import StoreClient

PAGES = "/v3/content/pages"


def _create(store: StoreClient, body: object) -> dict:  # type: ignore[type-arg]
    response = store.post(PAGES, json=body)
    assert response.status_code == 201, response.text
    return response.json()["data"]  # type: ignore[no-any-return]


def test_object_in_object_out_and_defaults(store: StoreClient) -> None:
    page = _create(store, {"name": "About", "type": "page", "body": "<p>hi</p>"})
    assert isinstance(page["id"], int)
    assert page["url"] == "/about/"
    assert page["channel_id"] == 1 and page["parent_id"] == 0 and page["is_visible"] is True
    assert "body" not in page
    assert page["meta_keywords"] == ""


def test_array_in_array_out(store: StoreClient) -> None:
    pages = _create(store, [{"name": "A", "type": "page"}, {"name": "B", "type": "blog"}])
    assert [p["name"] for p in pages] == ["A", "B"]


def test_body_only_with_include(store: StoreClient) -> None:
    page = _create(store, {"name": "Raw", "type": "raw", "body": "<b>x</b>"})
    assert "body" not in store.get(f"{PAGES}/{page['id']}").json()["data"]
    got = store.get(f"{PAGES}/{page['id']}", params={"include": "body"}).json()["data"]
    assert got["body"] == "<b>x</b>"
    listed = store.get(PAGES, params={"include": "body"}).json()["data"]
    assert listed[0]["body"] == "<b>x</b>"


def test_required_fields_are_problem_json_422(store: StoreClient) -> None:
    response = store.post(PAGES, json={"name": "No type"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["status"] == 422 and "type" in body["detail"]
    raw = store.post(PAGES, json={"name": "R", "type": "raw"})
    assert raw.status_code == 422 and "body" in raw.json()["detail"]
    link = store.post(PAGES, json={"name": "L", "type": "link"})
    assert link.status_code == 422 and "link" in link.json()["detail"]
    bad_type = store.post(PAGES, json={"name": "T", "type": "poster"})
    assert bad_type.status_code == 422
    assert store.get(PAGES).json()["data"] == []


def test_name_is_unique(store: StoreClient) -> None:
    _create(store, {"name": "Shipping", "type": "page"})
    response = store.post(PAGES, json={"name": "shipping", "type": "page"})
    assert response.status_code == 422
    assert "unique" in response.json()["detail"]


def test_bulk_422_still_creates_the_valid_entries(store: StoreClient) -> None:
    response = store.post(
        PAGES,
        json=[{"name": "Good", "type": "page"}, {"name": "Bad", "type": "raw"}],
    )
    assert response.status_code == 422
    assert "[1]" in response.json()["detail"]
    names = [p["name"] for p in store.get(PAGES).json()["data"]]
    assert names == ["Good"]


def test_page_limit(store: StoreClient, sandbox_db: SandboxDB) -> None:
    coll = sandbox_db.store("teststore").collection("pages")
    for n in range(MAX_PAGES - 1):
        coll.save(
            {"id": coll.new_id(), "name": f"p{n}", "type": "page", "parent_id": 0, "channel_id": 1}
        )
    _create(store, {"name": "last", "type": "page"})
    response = store.post(PAGES, json={"name": "one too many", "type": "page"})
    assert response.status_code == 422
    assert str(MAX_PAGES) in response.json()["detail"]


def test_filters(store: StoreClient) -> None:
    _create(
        store,
        [
            {"name": "Returns", "type": "page"},
            {"name": "Return policy", "type": "page"},
            {"name": "Contact", "type": "contact_form", "email": "a@example.com"},
        ],
    )
    assert len(store.get(PAGES, params={"name:like": "return"}).json()["data"]) == 2
    assert [p["name"] for p in store.get(PAGES, params={"name": "Contact"}).json()["data"]] == [
        "Contact"
    ]
    assert [p["name"] for p in store.get(PAGES, params={"url": "/returns/"}).json()["data"]] == [
        "Returns"
    ]
    ids = [p["id"] for p in store.get(PAGES).json()["data"]]
    got = store.get(PAGES, params={"id:in": f"{ids[0]},{ids[2]}"}).json()["data"]
    assert [p["id"] for p in got] == [ids[0], ids[2]]
    assert store.get(PAGES, params={"channel_id": 2}).json()["data"] == []


def test_bulk_put_needs_ids_and_known_pages(store: StoreClient) -> None:
    page = _create(store, {"name": "FAQ", "type": "page"})
    assert store.put(PAGES, json=[{"name": "x"}]).status_code == 422
    assert store.put(PAGES, json=[{"id": 999, "name": "x"}]).status_code == 404
    response = store.put(PAGES, json=[{"id": page["id"], "meta_description": "faq"}])
    assert response.status_code == 200
    assert response.json()["data"][0]["meta_description"] == "faq"


def test_put_to_raw_requires_body_and_leaves_no_trace(store: StoreClient) -> None:
    page = _create(store, {"name": "FAQ", "type": "page"})
    response = store.put(f"{PAGES}/{page['id']}", json={"type": "raw"})
    assert response.status_code == 422
    assert store.get(f"{PAGES}/{page['id']}").json()["data"]["type"] == "page"


def test_delete_requires_ids_and_reparents_children(store: StoreClient) -> None:
    parent = _create(store, {"name": "Help", "type": "page"})
    child = _create(store, {"name": "Help/Sizes", "type": "page", "parent_id": parent["id"]})
    assert store.delete(PAGES).status_code == 422
    assert store.delete(PAGES, params={"id:in": str(parent["id"])}).status_code == 204
    moved = store.get(f"{PAGES}/{child['id']}").json()["data"]
    assert moved["parent_id"] == 0 and moved["is_visible"] is False


def test_delete_children_recursively_and_404_for_unknown(store: StoreClient) -> None:
    parent = _create(store, {"name": "Help", "type": "page"})
    child = _create(store, {"name": "Sizes", "type": "page", "parent_id": parent["id"]})
    _create(store, {"name": "Kids", "type": "page", "parent_id": child["id"]})
    other = _create(store, {"name": "Other", "type": "page"})
    response = store.delete(
        PAGES, params={"id:in": f"{parent['id']},424242", "delete_children": "true"}
    )
    assert response.status_code == 404
    assert [p["id"] for p in store.get(PAGES).json()["data"]] == [other["id"]]
    assert store.get(f"{PAGES}/{parent['id']}").status_code == 404


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    names=st.lists(st.sampled_from(["Help", "help", "FAQ", "faq", "Sizes", "About"]), max_size=8)
)
def test_bulk_create_keeps_the_first_of_each_name(store: StoreClient, names: list[str]) -> None:
    """A bulk POST creates the first page of every case-insensitive name and rejects the
    repeats with a 422 that names their positions, whatever the mix."""
    for page in store.get(PAGES, params={"limit": 250}).json()["data"]:
        store.delete(f"{PAGES}/{page['id']}")
    if not names:
        return
    response = store.post(PAGES, json=[{"name": n, "type": "page"} for n in names])
    firsts: dict[str, int] = {}
    for index, name in enumerate(names):
        firsts.setdefault(name.lower(), index)
    repeats = [i for i, n in enumerate(names) if firsts[n.lower()] != i]
    if repeats:
        assert response.status_code == 422
        assert all(f"[{i}]" in response.json()["detail"] for i in repeats)
    else:
        assert response.status_code == 201
    created = [p["name"] for p in store.get(PAGES, params={"limit": 250}).json()["data"]]
    assert created == [names[i] for i in sorted(firsts.values())]
