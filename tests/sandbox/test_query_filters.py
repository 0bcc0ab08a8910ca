"""The list filters, derived from BigCommerce's OpenAPI files: every filter of every served
list and filtered delete that declares its filters is checked against seeded data.

For each (operation, filter) the test seeds a store, reads everything, picks a value from
the seeded items, computes which items the filter keeps with its own reference reading of
the operator, and checks the sandbox keeps exactly those (a delete: deletes exactly those).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

import pytest

from reconciler.sandbox.api import Endpoint
from reconciler.sandbox.app import all_endpoints
from reconciler.sandbox.resources.catalog_documents import products
from reconciler.sandbox.resources.customers import CUSTOMERS as CUSTOMER_COLLECTION
from reconciler.sandbox.resources.price_lists import LISTS as PRICE_LIST_COLLECTION
from reconciler.sandbox.storage import SandboxDB
from tests.sandbox.catalog_support import PRODUCTS, product_body
from tests.sandbox.conformance import session_checker
from tests.sandbox.conftest import StoreClient

Item = dict[str, Any]

# Filtered operations the sandbox serves with its own hand-written filters (not yet on the
# engine); listed so the gap is explicit and shrinks.
NOT_YET_ON_THE_ENGINE = frozenset(
    {
        "GET /v3/catalog/products/category-assignments",
        "DELETE /v3/catalog/products/category-assignments",
        "GET /v3/catalog/products/{product_id:int}/metafields",
        "GET /v3/catalog/products/metafields",
        "GET /v3/catalog/brands/{brand_id:int}/metafields",
        "GET /v3/catalog/brands/metafields",
        "GET /v3/catalog/categories/{category_id:int}/metafields",
        "GET /v3/catalog/categories/metafields",
        "GET /v3/catalog/trees/categories",
        "DELETE /v3/catalog/trees/categories",
        "GET /v3/catalog/trees",
        "DELETE /v3/catalog/trees",
        "GET /v3/catalog/trees/{tree_id:int}/categories",
        "GET /v3/catalog/variants",
        "GET /v3/channels",
        "GET /v2/customer_groups",
        "GET /v2/customer_groups/{customer_group_id:int}",
        "GET /v2/orders",
        "GET /v2/orders/count",
        "GET /v2/orders/{order_id:int}",
        # Always empty (not modelled), whatever the filters.
        "GET /v2/orders/{order_id:int}/taxes",
        "GET /v2/orders/{order_id:int}/messages",
        "GET /v3/content/pages",
        "DELETE /v3/content/pages",
        "GET /v3/pricelists/{price_list_id:int}/records",
        "DELETE /v3/pricelists/{price_list_id:int}/records",
        "GET /v3/pricelists/{price_list_id:int}/records/{variant_id:int}",
        "DELETE /v3/storefront/redirects",
        "GET /v3/sites",
        "GET /v3/themes/{theme_uuid}/configurations",
    }
)

OPTIONS = frozenset(
    {"page", "limit", "include", "include_fields", "exclude_fields", "direction", "sort"}
)
"""Query parameters that shape the answer rather than choose items."""


def _sample_path(endpoint: Endpoint) -> str:
    """The endpoint's path with sample ids, as a request would spell it."""
    return "/stores/teststore" + re.sub(r"\{[^}]+\}", "1", endpoint.path)


def _spec_parameters(endpoint: Endpoint) -> list[str]:
    checker = session_checker()
    if checker is None:
        pytest.skip("BigCommerce's OpenAPI files are not available")
    return checker.query_parameters(endpoint.method, _sample_path(endpoint))


def _filtered_endpoints() -> list[Endpoint]:
    return [e for e in all_endpoints() if e.method in ("GET", "DELETE")]


def _key(endpoint: Endpoint) -> str:
    return f"{endpoint.method} {endpoint.path}"


def test_every_served_filtered_operation_declares_the_specs_parameters() -> None:
    """On the engine: exactly the spec's query parameters (filters and options); off it:
    listed in :data:`NOT_YET_ON_THE_ENGINE`."""
    filtered = {}
    for endpoint in _filtered_endpoints():
        names = _spec_parameters(endpoint)
        if set(names) - OPTIONS - {"Accept", "Content-Type"}:
            filtered[_key(endpoint)] = (endpoint, names)
    off_engine = {key for key, (e, _) in filtered.items() if e.filters is None}
    assert sorted(off_engine - NOT_YET_ON_THE_ENGINE) == []
    assert sorted(NOT_YET_ON_THE_ENGINE - off_engine) == []
    for key, (endpoint, names) in filtered.items():
        if endpoint.filters is None:
            continue
        declared = set(endpoint.filters.filters) | set(endpoint.filters.options)
        assert declared == set(names), key


# -- seeded data -------------------------------------------------------------------------------
def _seed_products(store: StoreClient, db: SandboxDB) -> None:
    brands = [store.create("/v3/catalog/brands", {"name": f"Brand {i}"})["id"] for i in (0, 1)]
    cats = [
        store.create("/v3/catalog/categories", {"name": f"Cat {i}", "parent_id": 0})["id"]
        for i in (0, 1)
    ]
    for i in range(5):
        extra: dict[str, Any] = {
            "sku": f"SKU-{i}",
            "price": 10.0 * (i + 1),
            "weight": float(i % 3 + 1),
            "condition": ("New", "Used", "Refurbished")[i % 3],
            "mpn": f"MPN-{i % 2}",
            "upc": f"00000{i % 3}",
            "is_featured": i % 2 == 0,
            "is_free_shipping": i < 2,
            "is_visible": i != 3,
            "type": ("physical", "digital")[i % 2],
            "inventory_tracking": "product" if i < 4 else "none",
            "inventory_level": (0, 5, 10, 0, 20)[i],
            "inventory_warning_level": 6,
            "total_sold": (3, 1, 4, 1, 5)[i],
            "availability": ("available", "disabled", "preorder")[i % 3],
            "brand_id": brands[i % 2],
            "categories": [cats[i % 2]] if i < 4 else cats,
            "description": "a blue shoe" if i % 2 else "a red shoe",
        }
        if i < 3:
            extra["date_last_imported"] = f"2024-02-0{i + 1}T08:00:00+00:00"
        store.create(PRODUCTS, product_body(f"Item {i}", **extra))
    # Created within a second: spread the modification dates over days, through the store.
    coll = products(db.store("teststore"))
    for i, doc in enumerate(sorted(coll, key=lambda d: d["id"])):
        coll.save({**doc, "date_modified": f"2024-03-0{i + 1}T1{i}:00:00+00:00"})
    db.commit()


BRANDS = "/v3/catalog/brands"
CATEGORIES = "/v3/catalog/categories"


def _seed_brands(store: StoreClient, _db: SandboxDB) -> None:
    for i in range(4):
        store.create(BRANDS, {"name": f"Brand {i}", "page_title": f"Title {i % 2}"})


def _seed_categories(store: StoreClient, _db: SandboxDB) -> None:
    parent = 0
    for i in range(5):
        body = {
            "name": f"Cat {i} {'blue' if i % 2 else 'red'}",
            "parent_id": parent if i < 3 else 0,
            "page_title": f"Title {i % 3}",
            "is_visible": i != 2,
        }
        parent = store.create(CATEGORIES, body)["id"]


CUSTOMERS = "/v3/customers"


def _seed_customers(store: StoreClient, db: SandboxDB) -> None:
    groups = [
        store.post("/v2/customer_groups", json={"name": f"Group {i}"}).json()["id"] for i in (0, 1)
    ]
    body = [
        {
            "email": f"buyer{i}@example.com",
            "first_name": f"Ann{i}",
            "last_name": f"Lee{i % 2}",
            "company": f"Co {i % 2}",
            "phone": f"555-000{i % 3}",
            "registration_ip_address": f"10.0.0.{i % 3}",
            "customer_group_id": groups[i % 2] if i < 3 else 0,
        }
        for i in range(4)
    ]
    assert store.post(CUSTOMERS, json=body).status_code == 200
    # Created within a second: spread the dates over days, through the store.
    coll = db.store("teststore").collection(CUSTOMER_COLLECTION)
    for i, doc in enumerate(sorted(coll, key=lambda d: d["id"])):
        day = f"2024-03-0{i + 1}T1{i}:00:00Z"
        coll.save({**doc, "date_created": day, "date_modified": day.replace("-03-", "-04-")})
    db.commit()


HOOKS = "/v3/hooks"
SCRIPTS = "/v3/content/scripts"


def _seed_hooks(store: StoreClient, _db: SandboxDB) -> None:
    for i in range(4):
        body = {
            "scope": ("store/order/created", "store/product/updated")[i % 2],
            "destination": f"https://hooks.example.com/{i % 3}",
            "is_active": i != 1,
        }
        store.create(HOOKS, body)


def _seed_scripts(store: StoreClient, _db: SandboxDB) -> None:
    for i in range(3):
        store.create(SCRIPTS, {"name": f"S{i}", "kind": "src", "src": f"https://c.example/{i}.js"})


REDIRECTS = "/v3/storefront/redirects"


def _seed_redirects(store: StoreClient, _db: SandboxDB) -> None:
    items = [
        {"from_path": path, "site_id": 1000, "to": {"type": "url", "url": "/new"}}
        for path in ("/sale/1", "/old/sale", "/sale/2", "/old/3")
    ]
    assert store.put(REDIRECTS, json=items).status_code == 201


PRICE_LISTS = "/v3/pricelists"


def _seed_price_lists(store: StoreClient, db: SandboxDB) -> None:
    for i in range(4):
        store.create(PRICE_LISTS, {"name": f"Tier {i}"})
    # Created within a second: spread the dates over days, through the store.
    coll = db.store("teststore").collection(PRICE_LIST_COLLECTION)
    for i, doc in enumerate(sorted(coll, key=lambda d: d["id"])):
        day = f"2024-03-0{i + 1}T1{i}:00:00Z"
        coll.save({**doc, "date_created": day, "date_modified": day.replace("-03-", "-04-")})
    db.commit()


ASSIGNMENTS = "/v3/pricelists/assignments"


def _seed_assignments(store: StoreClient, _db: SandboxDB) -> None:
    lists = [store.create(PRICE_LISTS, {"name": f"Tier {i}"})["id"] for i in (0, 1)]
    groups = [
        store.post("/v2/customer_groups", json={"name": f"Group {i}"}).json()["id"]
        for i in range(4)
    ]
    body = [{"price_list_id": lists[i // 2], "customer_group_id": g} for i, g in enumerate(groups)]
    assert store.post(ASSIGNMENTS, json=body).status_code == 200


ADDRESSES = "/v3/customers/addresses"


def _seed_addresses(store: StoreClient, _db: SandboxDB) -> None:
    def address(i: int) -> dict[str, Any]:
        return {
            "first_name": f"Ann{i}",
            "last_name": f"Lee{i % 2}",
            "company": f"Co {i % 3}",
            "address1": f"{i} Main St",
            "city": "Austin",
            "country_code": "US",
        }

    body = [
        {
            "email": f"buyer{c}@example.com",
            "first_name": "A",
            "last_name": "B",
            "addresses": [address(2 * c), address(2 * c + 1)],
        }
        for c in range(2)
    ]
    assert store.post(CUSTOMERS, json=body).status_code == 200


SEEDERS: dict[str, Callable[[StoreClient, SandboxDB], None]] = {
    ADDRESSES: _seed_addresses,
    ASSIGNMENTS: _seed_assignments,
    PRICE_LISTS: _seed_price_lists,
    REDIRECTS: _seed_redirects,
    HOOKS: _seed_hooks,
    SCRIPTS: _seed_scripts,
    CUSTOMERS: _seed_customers,
    PRODUCTS: _seed_products,
    BRANDS: _seed_brands,
    CATEGORIES: _seed_categories,
}

# How the test reads a filter whose meaning is not "the item's field of that name".
Reading = Callable[[Item], Any]
READINGS: dict[str, dict[str, Reading]] = {
    PRODUCTS: {
        "channel_id": lambda _item: [1],
        "out_of_stock": lambda i: i["inventory_tracking"] != "none" and i["inventory_level"] <= 0,
        "inventory_low": lambda i: (
            i["inventory_tracking"] != "none"
            and i["inventory_level"] <= i["inventory_warning_level"]
        ),
    },
    CUSTOMERS: {"name": lambda i: f"{i['first_name']} {i['last_name']}"},
    ADDRESSES: {"name": lambda i: f"{i['first_name']} {i['last_name']}"},
}

# ``keyword`` per endpoint: the query text and what it keeps.
KEYWORDS: dict[str, tuple[str, Callable[[Item], bool]]] = {
    PRODUCTS: ("blue", lambda i: "blue" in f"{i['name']} {i['sku']} {i['description']}".lower()),
    CATEGORIES: ("blue", lambda i: "blue" in i["name"].lower()),
    # "only from the beginning of the from_path"
    REDIRECTS: ("sale", lambda i: i["from_path"].startswith("/sale")),
}


def _with_descendants(items: list[Item], doomed: set[int]) -> set[int]:
    """Deleting a category deletes its subcategories."""
    grown = set(doomed)
    while True:
        more = {i["id"] for i in items if i["parent_id"] in grown} - grown
        if not more:
            return grown
        grown |= more


IDS: dict[str, str] = {SCRIPTS: "uuid"}
"""The key that identifies an item, where it is not ``id``."""

CASCADES: dict[str, Callable[[list[Item], set[int]], set[int]]] = {
    CATEGORIES: _with_descendants,
}
ONE_OF_A_KIND = {"channel_id": 2, "site_id": 1001}
"""The store has one channel and one site: a filter for another keeps nothing."""
DATES = frozenset({"date_modified", "date_last_imported", "date_created"})


def _cases() -> list[tuple[str, str, str]]:
    cases = []
    for endpoint in _filtered_endpoints():
        if endpoint.filters is None or endpoint.path not in SEEDERS:
            continue
        for name in endpoint.filters.filters:
            cases.append((endpoint.method, endpoint.path, name))
    return cases


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]


def _comparable(base: str, value: Any) -> Any:
    if base in DATES and isinstance(value, str):
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value.lower() if base == "sku" and isinstance(value, str) else value


def _query_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _choose(
    path: str, base: str, operator: str, items: list[Item]
) -> tuple[str, Callable[[Item], bool]]:
    """The query value for the filter and the reference test of what it keeps."""
    read = READINGS.get(path, {}).get(base, lambda i: i.get(base))
    if base == "keyword":
        return KEYWORDS[path]
    if base in ("out_of_stock", "inventory_low"):
        return "true", lambda i: bool(read(i))
    values = sorted(
        {
            _comparable(base, v)
            for item in items
            for v in _as_list(read(item))
            if v is not None and v != ""
        },
        key=lambda v: (str(type(v)), v),
    )
    assert values, f"the seed gives {base} no values"
    pivot = values[len(values) // 2]
    if base in ONE_OF_A_KIND:
        pivot = ONE_OF_A_KIND[base]

    def item_values(item: Item) -> list[Any]:
        return [_comparable(base, v) for v in _as_list(read(item)) if v is not None]

    if operator in ("", "not") and base in DATES:
        day: date = pivot.date()

        def same_day(item: Item) -> bool:
            return any(v.astimezone(UTC).date() == day for v in item_values(item))

        if operator == "":
            return day.isoformat(), same_day
        return pivot.isoformat(), lambda i: pivot not in item_values(i)
    text = pivot.isoformat() if isinstance(pivot, datetime) else _query_text(pivot)
    tests: dict[str, Callable[[Item], bool]] = {
        "": lambda i: pivot in item_values(i),
        "in": lambda i: pivot in item_values(i),
        "not_in": lambda i: pivot not in item_values(i),
        "not": lambda i: pivot not in item_values(i),
        "min": lambda i: any(v >= pivot for v in item_values(i)),
        "max": lambda i: any(v <= pivot for v in item_values(i)),
        "greater": lambda i: any(v > pivot for v in item_values(i)),
        "less": lambda i: any(v < pivot for v in item_values(i)),
    }
    if operator == "like":
        part = str(pivot)[-3:]
        return part, lambda i: any(part.lower() in str(v).lower() for v in item_values(i))
    return text, tests[operator]


@pytest.mark.parametrize(("method", "path", "name"), _cases())
def test_each_filter_keeps_exactly_the_matching_items(
    store: StoreClient, sandbox_db: SandboxDB, method: str, path: str, name: str
) -> None:
    SEEDERS[path](store, sandbox_db)
    key = IDS.get(path, "id")
    everything = store.get(path, params={"limit": 250}).json()["data"]
    base, _, operator = name.partition(":")
    raw, keeps = _choose(path, base, operator, everything)
    expected = [i[key] for i in everything if keeps(i)]
    if base not in ONE_OF_A_KIND:
        assert 0 < len(expected) < len(everything), f"the seed does not exercise {name}"
    if method == "GET":
        response = store.get(path, params={name: raw, "limit": 250})
        assert response.status_code == 200, response.text
        assert [i[key] for i in response.json()["data"]] == expected, f"{name}={raw}"
    else:
        response = store.delete(path, params={name: raw})
        assert response.status_code == 204, response.text
        doomed = CASCADES.get(path, lambda _items, ids: ids)(everything, set(expected))
        left = [i[key] for i in store.get(path, params={"limit": 250}).json()["data"]]
        assert left == [i[key] for i in everything if i[key] not in doomed], f"{name}={raw}"


@pytest.mark.parametrize("method", ["GET", "DELETE"])
def test_a_filter_the_operation_does_not_take_is_400(store: StoreClient, method: str) -> None:
    store.create(PRODUCTS, product_body("Kept"))
    response = store.request(method, PRODUCTS, params={"colour": "red"})
    assert response.status_code == 400
    assert "colour" in response.json()["errors"]
    assert len(store.get(PRODUCTS).json()["data"]) == 1


def test_delete_with_two_filters_deletes_only_what_both_keep(
    store: StoreClient, sandbox_db: SandboxDB
) -> None:
    """The reported case: ``is_visible=true&is_featured=true`` deleted every visible one."""
    _seed_products(store, sandbox_db)
    everything = store.get(PRODUCTS).json()["data"]
    doomed = {i["id"] for i in everything if i["is_visible"] and i["is_featured"]}
    response = store.delete(PRODUCTS, params={"is_visible": "true", "is_featured": "true"})
    assert response.status_code == 204
    left = {i["id"] for i in store.get(PRODUCTS).json()["data"]}
    assert left == {i["id"] for i in everything} - doomed and doomed


def test_a_bad_filter_value_is_422_naming_it(store: StoreClient) -> None:
    response = store.get(PRODUCTS, params={"inventory_level:min": "lots"})
    assert response.status_code == 422
    assert "inventory_level:min" in response.json()["errors"]
