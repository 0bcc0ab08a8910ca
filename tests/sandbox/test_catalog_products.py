"""Catalog products: creation with embedded sub-resources, uniqueness, batches, filters, paging."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.sandbox.resources.catalog_documents import create_product, render_product
from reconciler.sandbox.storage import SandboxDB
from tests.sandbox.catalog_support import PRODUCTS, new_product, product_body, sized
from tests.sandbox.conftest import StoreClient


def test_minimal_product_gets_bigcommerce_defaults(store: StoreClient) -> None:
    data = new_product(store, "Trail Shoe")
    assert data["sku"] == "" and data["inventory_level"] == 0 and data["is_visible"] is True
    assert data["custom_url"] == {"url": "/trail-shoe/", "is_customized": False}
    assert data["calculated_price"] == 10 and isinstance(data["base_variant_id"], int)
    assert data["date_created"] == data["date_modified"]
    variants = store.get(f"{PRODUCTS}/{data['id']}/variants").json()["data"]
    assert [v["id"] for v in variants] == [data["base_variant_id"]]


def test_missing_required_fields_are_named(store: StoreClient) -> None:
    response = store.post(PRODUCTS, json={"name": "x"})
    assert response.status_code == 422
    assert {"type", "weight", "price"} <= set(response.json()["errors"])


def test_wrong_types_and_enums_are_422(store: StoreClient) -> None:
    response = store.post(
        PRODUCTS, json=product_body("x", type="box", price="ten", is_visible="yes")
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"type", "price", "is_visible"}
    assert store.get(PRODUCTS).json()["meta"]["pagination"]["total"] == 0


def test_embedded_variants_create_options_and_values(store: StoreClient) -> None:
    variants = [
        {
            "sku": f"TS-{c}-{s}",
            "option_values": [
                {"option_display_name": "Color", "label": c},
                {"option_display_name": "Size", "label": s},
            ],
        }
        for c in ("Red", "Blue")
        for s in ("S", "M")
    ]
    data = new_product(store, "Shoe", sku="TS", variants=variants, brand_name="Acme")
    got = store.get(f"{PRODUCTS}/{data['id']}", params={"include": "variants,options"}).json()[
        "data"
    ]
    assert "base_variant_id" not in got
    assert [o["display_name"] for o in got["options"]] == ["Color", "Size"]
    assert [len(o["option_values"]) for o in got["options"]] == [2, 2]
    first = got["variants"][0]["option_values"]
    assert {v["option_display_name"]: v["label"] for v in first} == {"Color": "Red", "Size": "S"}
    assert all({"id", "option_id"} <= set(v) for v in first)
    brands = store.get("/v3/catalog/brands").json()["data"]
    assert brands[0]["name"] == "Acme" and got["brand_id"] == brands[0]["id"]


def test_brand_name_links_existing_brand_case_insensitively(store: StoreClient) -> None:
    brand = store.post("/v3/catalog/brands", json={"name": "Acme"}).json()["data"]
    data = new_product(store, "A", brand_name="ACME")
    assert data["brand_id"] == brand["id"]
    assert len(store.get("/v3/catalog/brands").json()["data"]) == 1


def test_name_is_unique(store: StoreClient) -> None:
    new_product(store, "Shoe")
    response = store.post(PRODUCTS, json=product_body("shoe"))
    assert response.status_code == 409
    assert "name" in response.json()["errors"]


def test_sku_unique_across_products_and_variants_case_insensitively(store: StoreClient) -> None:
    new_product(store, "A", sku="ABC")
    assert store.post(PRODUCTS, json=product_body("B", sku="abc")).status_code == 409
    new_product(
        store,
        "C",
        variants=[
            {"sku": "VAR-1", "option_values": [{"option_display_name": "Size", "label": "S"}]}
        ],
    )
    response = store.post(PRODUCTS, json=product_body("D", sku="var-1"))
    assert response.status_code == 409 and "sku" in response.json()["errors"]
    dup = [
        {"sku": "X1", "option_values": [{"option_display_name": "S", "label": str(i)}]}
        for i in (1, 2)
    ]
    assert store.post(PRODUCTS, json=product_body("E", variants=dup)).status_code == 409


def test_custom_url_is_unique_across_products_brands_and_categories(store: StoreClient) -> None:
    store.post("/v3/catalog/brands", json={"name": "Acme", "custom_url": {"url": "/acme/"}})
    response = store.post(
        PRODUCTS, json=product_body("X", custom_url={"url": "/acme/", "is_customized": True})
    )
    assert response.status_code == 409
    assert "custom_url.url" in response.json()["errors"]


def test_unknown_brand_or_category_is_409(store: StoreClient) -> None:
    assert store.post(PRODUCTS, json=product_body("X", brand_id=99)).status_code == 409
    response = store.post(PRODUCTS, json=product_body("X", categories=[123]))
    assert response.status_code == 409 and "categories" in response.json()["errors"]


def test_rejected_create_leaves_no_trace(store: StoreClient) -> None:
    bad = product_body(
        "X",
        brand_name="NewBrand",
        variants=[
            {"sku": "V", "option_values": [{"option_display_name": "A", "label": "1"}]},
            {"sku": "V", "option_values": [{"option_display_name": "A", "label": "2"}]},
        ],
    )
    assert store.post(PRODUCTS, json=bad).status_code == 409
    assert store.get(PRODUCTS).json()["data"] == []
    assert store.get("/v3/catalog/brands").json()["data"] == []


def test_get_put_delete_one_and_404(store: StoreClient) -> None:
    data = new_product(store, "A", sku="A1")
    assert store.get(f"{PRODUCTS}/999").status_code == 404
    assert store.put(f"{PRODUCTS}/999", json={"price": 1}).status_code == 404
    response = store.put(
        f"{PRODUCTS}/{data['id']}", json={"price": 5, "sale_price": 4, "sku": "A2"}
    )
    assert response.status_code == 200
    updated = response.json()["data"]
    assert updated["calculated_price"] == 4 and updated["sku"] == "A2"
    base = store.get(f"{PRODUCTS}/{data['id']}/variants").json()["data"][0]
    assert base["sku"] == "A2"
    assert store.delete(f"{PRODUCTS}/{data['id']}").status_code == 204
    assert store.get(f"{PRODUCTS}/{data['id']}").status_code == 404


def test_batch_put_limits_ids_and_category_replacement(store: StoreClient) -> None:
    tree_cats = store.post(
        "/v3/catalog/trees/categories",
        json=[{"name": "Shoes", "tree_id": 1}, {"name": "Hats", "tree_id": 1}],
    ).json()["data"]
    shoes, hats = (c["category_id"] for c in tree_cats)
    a = new_product(store, "A", categories=[shoes])
    b = new_product(store, "B")
    too_many = [{"id": a["id"], "price": 1}] * 11
    assert store.put(PRODUCTS, json=too_many).status_code == 413
    assert store.put(PRODUCTS, json=[{"price": 1}]).status_code == 422
    assert store.put(PRODUCTS, json=[{"id": 999, "price": 1}]).status_code == 404
    response = store.put(
        PRODUCTS, json=[{"id": a["id"], "categories": [hats]}, {"id": b["id"], "price": 3}]
    )
    assert response.status_code == 200
    assert [d["categories"] for d in response.json()["data"]] == [[hats], []]
    assert store.put(PRODUCTS, json=[{"id": a["id"], "name": "B"}]).status_code == 409
    clash = [{"id": a["id"], "sku": "Z"}, {"id": b["id"], "sku": "z"}]
    assert store.put(PRODUCTS, json=clash).status_code == 409
    same_url = [{"id": i, "custom_url": {"url": "/same/"}} for i in (a["id"], b["id"])]
    assert store.put(PRODUCTS, json=same_url).status_code == 409
    assert store.get(f"{PRODUCTS}/{a['id']}").json()["data"]["sku"] == ""


def test_delete_needs_filter_and_caps_id_in(store: StoreClient) -> None:
    a, b, c = (new_product(store, n) for n in "ABC")
    assert store.delete(PRODUCTS).status_code == 422
    assert len(store.get(PRODUCTS).json()["data"]) == 3
    ids = ",".join(str(i) for i in range(1, 252))
    assert store.delete(PRODUCTS, params={"id:in": ids}).status_code == 413
    assert store.delete(PRODUCTS, params={"id:in": f"{a['id']},{b['id']}"}).status_code == 204
    assert [d["id"] for d in store.get(PRODUCTS).json()["data"]] == [c["id"]]


def test_filters(store: StoreClient) -> None:
    brand = store.post("/v3/catalog/brands", json={"name": "Acme"}).json()["data"]
    a = new_product(store, "Red Shoe", sku="RS-1", brand_id=brand["id"])
    b = new_product(store, "Blue Hat", sku="BH-1", description="woolly")
    new_product(
        store,
        "Green Sock",
        variants=[
            {"sku": "GS-S", "option_values": [{"option_display_name": "Size", "label": "S"}]}
        ],
    )

    def ids(**params: str) -> list[int]:
        return [d["id"] for d in store.get(PRODUCTS, params=params).json()["data"]]

    assert ids(sku="rs-1") == [a["id"]]
    assert ids(**{"sku:in": "RS-1,BH-1"}) == [a["id"], b["id"]]
    assert ids(sku="GS-S") == []  # variant SKUs are found through /catalog/variants
    assert ids(**{"id:in": f"{b['id']},{a['id']}"}) == [a["id"], b["id"]]
    assert ids(name="Blue Hat") == [b["id"]]
    assert ids(**{"id:greater": str(a["id"]), "id:max": str(b["id"])}) == [b["id"]]
    assert ids(keyword="WOOL") == [b["id"]]
    assert ids(brand_id=str(brand["id"])) == [a["id"]]
    assert ids(**{"date_modified:min": "2000-01-01"}) == ids()
    assert ids(**{"date_modified:min": "2999-01-01T00:00:00Z"}) == []


def test_pagination_edges_and_limit_clamp(store: StoreClient) -> None:
    for i in range(5):
        new_product(store, f"P{i}")
    page = store.get(PRODUCTS, params={"limit": 2, "page": 3}).json()
    assert len(page["data"]) == 1
    assert page["meta"]["pagination"]["total_pages"] == 3
    assert "next" not in page["meta"]["pagination"]["links"]
    past = store.get(PRODUCTS, params={"limit": 2, "page": 9}).json()
    assert past["data"] == [] and past["meta"]["pagination"]["total"] == 5
    clamped = store.get(PRODUCTS, params={"limit": 1000}).json()["meta"]["pagination"]
    assert clamped["per_page"] == 250


def test_options_or_modifiers_include_caps_page_at_10(store: StoreClient) -> None:
    for i in range(12):
        new_product(store, f"P{i}")
    for include in ("options", "modifiers", "variants,options"):
        page = store.get(PRODUCTS, params={"include": include, "limit": 250}).json()
        assert len(page["data"]) == 10 and page["meta"]["pagination"]["per_page"] == 10
    assert (
        len(store.get(PRODUCTS, params={"include": "variants", "limit": 250}).json()["data"]) == 12
    )


def test_include_and_field_selection(store: StoreClient) -> None:
    new_product(
        store,
        "A",
        images=[{"image_url": "https://example.com/a.jpg"}],
        custom_fields=[{"name": "fit", "value": "wide"}],
        bulk_pricing_rules=[{"quantity_min": 2, "quantity_max": 5, "type": "percent", "amount": 5}],
    )
    full = store.get(
        PRODUCTS, params={"include": "images,custom_fields,bulk_pricing_rules,primary_image"}
    )
    item = full.json()["data"][0]
    assert item["custom_fields"][0]["name"] == "fit"
    assert item["primary_image"]["url_standard"] == "https://example.com/a.jpg"
    assert item["bulk_pricing_rules"][0]["type"] == "percent"
    assert "variants" not in item
    slim = store.get(PRODUCTS, params={"include_fields": "name,price"}).json()["data"][0]
    assert set(slim) == {"id", "name", "price"}
    less = store.get(PRODUCTS, params={"exclude_fields": "description,id"}).json()["data"][0]
    assert "description" not in less and "id" in less
    assert "nonsense" not in store.get(PRODUCTS, params={"include": "nonsense"}).json()["data"][0]


def test_overlapping_bulk_rules_in_create_are_409(store: StoreClient) -> None:
    rules = [
        {"quantity_min": 1, "quantity_max": 5, "type": "price", "amount": 1},
        {"quantity_min": 5, "quantity_max": 0, "type": "price", "amount": 2},
    ]
    assert store.post(PRODUCTS, json=product_body("A", bulk_pricing_rules=rules)).status_code == 409


def test_library_create_matches_the_endpoint(sandbox_db: SandboxDB, store: StoreClient) -> None:
    teststore = sandbox_db.store("teststore")
    doc = create_product(teststore, product_body("Lib", sku="LIB"))
    sandbox_db.commit()
    via_api = store.get(f"{PRODUCTS}/{doc['id']}").json()["data"]
    assert via_api == render_product(doc)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(skus=st.lists(st.text("abAB-1", min_size=1, max_size=3), min_size=1, max_size=6))
def test_sku_uniqueness_property(store: StoreClient, skus: list[str]) -> None:
    """Whatever the order, a SKU is accepted once per case-insensitive spelling."""
    existing = {d["sku"].lower() for d in store.get(PRODUCTS, params={"limit": 250}).json()["data"]}
    for i, sku in enumerate(skus):
        name = f"prop-{len(existing)}-{i}-{sku}"
        status = store.post(PRODUCTS, json=product_body(name, sku=sku)).status_code
        assert status == (409 if sku.lower() in existing else 200)
        existing.add(sku.lower())


def test_put_updates_and_creates_embedded_sub_resources(store: StoreClient) -> None:
    data = new_product(
        store,
        "A",
        variants=[{"sku": "A-S", "option_values": [{"option_display_name": "Size", "label": "S"}]}],
        custom_fields=[{"name": "fit", "value": "wide"}],
        bulk_pricing_rules=[{"quantity_min": 2, "quantity_max": 4, "type": "price", "amount": 1}],
    )
    full = store.get(
        f"{PRODUCTS}/{data['id']}", params={"include": "variants,custom_fields,bulk_pricing_rules"}
    )
    current = full.json()["data"]
    variant, field, rule = (
        current[k][0] for k in ("variants", "custom_fields", "bulk_pricing_rules")
    )
    body = {
        "variants": [
            {"id": variant["id"], "price": 12},
            {"sku": "A-M", "option_values": [{"option_display_name": "Size", "label": "M"}]},
        ],
        "custom_fields": [
            {"id": field["id"], "value": "narrow"},
            {"name": "season", "value": "all"},
        ],
        "bulk_pricing_rules": [
            {"quantity_min": 5, "quantity_max": 0, "type": "price", "amount": 2}
        ],
        "images": [{"image_url": "https://example.com/a.jpg"}],
    }
    response = store.put(f"{PRODUCTS}/{data['id']}", json=body)
    assert response.status_code == 200, response.text
    got = response.json()["data"]
    assert [(v["sku"], v["calculated_price"]) for v in got["variants"]] == [
        ("A-S", 12),
        ("A-M", 10),
    ]
    assert [(f["name"], f["value"]) for f in got["custom_fields"]] == [
        ("fit", "narrow"),
        ("season", "all"),
    ]
    assert [r["quantity_min"] for r in got["bulk_pricing_rules"]] == [rule["quantity_min"], 5]
    assert got["images"][0]["is_thumbnail"] is True
    overlap = {
        "bulk_pricing_rules": [{"quantity_min": 3, "quantity_max": 3, "type": "price", "amount": 1}]
    }
    assert store.put(f"{PRODUCTS}/{data['id']}", json=overlap).status_code == 409
    again = {"custom_fields": [{"name": "fit", "value": "narrow"}]}
    assert store.put(f"{PRODUCTS}/{data['id']}", json=again).status_code == 409
    unknown = store.put(
        f"{PRODUCTS}/{data['id']}", json={"custom_fields": [{"id": 999, "value": "x"}]}
    )
    assert unknown.status_code == 422 and "custom_fields[0].id" in unknown.json()["errors"]
    taken = store.put(
        f"{PRODUCTS}/{data['id']}", json={"variants": [{"id": variant["id"], "sku": "a-m"}]}
    )
    assert taken.status_code == 409
    after = store.get(f"{PRODUCTS}/{data['id']}", params={"include": "variants"}).json()["data"]
    assert [v["sku"] for v in after["variants"]] == ["A-S", "A-M"]


def test_products_and_their_indexes_survive_a_restart(
    sandbox_db: SandboxDB, store: StoreClient
) -> None:
    from starlette.testclient import TestClient

    from reconciler.sandbox.app import SandboxApp

    made = new_product(
        store,
        "Kept",
        sku="KEEP",
        variants=[
            {"sku": "KEEP-S", "option_values": [{"option_display_name": "Size", "label": "S"}]}
        ],
    )
    reopened = SandboxDB(sandbox_db.path)
    try:
        with TestClient(SandboxApp(reopened), base_url="https://sandbox.test") as http:
            again = StoreClient(http, "teststore")
            got = again.get(f"{PRODUCTS}/{made['id']}", params={"include": "variants"}).json()[
                "data"
            ]
            assert got["variants"][0]["sku"] == "KEEP-S"
            assert again.post(PRODUCTS, json=product_body("Other", sku="keep-s")).status_code == 409
            assert (
                again.post(PRODUCTS, json=product_body("Next")).json()["data"]["id"]
                == made["id"] + 1
            )
    finally:
        reopened.close()


def test_failed_create_uses_up_no_ids(store: StoreClient) -> None:
    twice = [
        {"sku": f"T-{n}", "option_values": [{"option_display_name": "Size", "label": "S"}]}
        for n in (1, 2)
    ]
    assert store.post(PRODUCTS, json=product_body("T", variants=twice)).status_code == 409
    made = new_product(store, "U", variants=twice[:1])
    options = store.get(f"{PRODUCTS}/{made['id']}/options").json()["data"]
    assert made["id"] == 1 and options[0]["id"] == 1 and options[0]["option_values"][0]["id"] == 1


def test_embedded_variants_give_an_option_at_most_250_values(store: StoreClient) -> None:
    # As the options endpoints refuse an option's 251st value (a 422 before anything is
    # written), so does a create whose variants name 251 values of one option.
    many = sized("M", *(f"{n}" for n in range(251)))
    response = store.post(PRODUCTS, json=product_body("M", brand_name="New", variants=many))
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "variants[250].option_values": "an option has at most 250 values; this variant would"
        " give option 'Size' value number 251"
    }
    assert store.get(PRODUCTS).json()["data"] == []
    assert store.get("/v3/catalog/brands").json()["data"] == []
    # Labels are counted as the store matches them (ignoring case), and by option.
    fits = [
        *many[:250],
        {
            "sku": "M-x",
            "option_values": [
                {"option_display_name": "size", "label": "0"},
                {"option_display_name": "Fit", "label": "Wide"},
            ],
        },
    ]
    made = new_product(store, "M", variants=fits)
    options = store.get(f"{PRODUCTS}/{made['id']}/options").json()["data"]
    assert [len(o["option_values"]) for o in options] == [250, 1]
    # Nothing was used up by the refused create.
    assert made["id"] == 1 and options[0]["id"] == 1


def test_embedded_variants_of_an_update_give_an_option_at_most_250_values(
    store: StoreClient,
) -> None:
    made = new_product(store, "M", variants=sized("M", *(f"{n}" for n in range(250))))
    path = f"{PRODUCTS}/{made['id']}"
    response = store.put(path, json={"variants": sized("M", "new")})
    assert response.status_code == 422
    assert response.json()["errors"] == {
        "variants[0].option_values": "an option has at most 250 values; this variant would"
        " give option 'Size' value number 251"
    }
    got = store.get(path, params={"include": "variants,options"}).json()["data"]
    assert len(got["variants"]) == 250 and len(got["options"][0]["option_values"]) == 250
    # A value the option already has is no new one.
    again = [{"sku": "M-again", "option_values": [{"option_display_name": "SIZE", "label": "7"}]}]
    assert store.put(path, json={"variants": again}).status_code == 409  # same options as M-7


def test_embedded_variants_of_an_update_name_no_option_like_a_modifier(
    store: StoreClient,
) -> None:
    made = new_product(store, "M", variants=sized("M", "S"))
    path = f"{PRODUCTS}/{made['id']}"
    gift = {"display_name": "Gift", "type": "text", "required": False}
    store.create(f"{path}/modifiers", gift)
    wrapped = [
        {
            "sku": "M-S-W",
            "option_values": [
                {"option_display_name": "Size", "label": "S"},
                {"option_display_name": "GIFT", "label": "Wrapped"},
            ],
        }
    ]
    response = store.put(path, json={"variants": wrapped})
    assert response.status_code == 409
    assert response.json()["errors"] == {
        "variants[0].option_values": "a modifier named 'GIFT' exists"
    }
    assert [o["display_name"] for o in store.get(f"{path}/options").json()["data"]] == ["Size"]
    assert len(store.get(f"{path}/variants").json()["data"]) == 1


def test_sort_and_direction(store: StoreClient) -> None:
    for name, price in (("B", 30), ("A", 10), ("C", 20)):
        new_product(store, name, price=price)

    def names(**params: str) -> list[str]:
        return [d["name"] for d in store.get(PRODUCTS, params=params).json()["data"]]

    assert names() == ["B", "A", "C"]
    assert names(sort="name") == ["A", "B", "C"]
    assert names(sort="price", direction="desc") == ["B", "C", "A"]
    assert names(direction="desc") == ["C", "A", "B"]


def test_a_product_read_with_includes_can_be_put_back_unchanged(store: StoreClient) -> None:
    made = new_product(
        store,
        "Echo",
        sku="E",
        variants=[{"sku": "E-S", "option_values": [{"option_display_name": "Size", "label": "S"}]}],
        images=[{"image_url": "https://example.com/e.jpg"}],
        custom_fields=[{"name": "fit", "value": "wide"}],
        bulk_pricing_rules=[{"quantity_min": 2, "quantity_max": 0, "type": "price", "amount": 1}],
    )
    include = {"include": "variants,images,custom_fields,bulk_pricing_rules"}
    before = store.get(f"{PRODUCTS}/{made['id']}", params=include).json()["data"]
    response = store.put(f"{PRODUCTS}/{made['id']}", json=before)
    assert response.status_code == 200, response.text
    after = store.get(f"{PRODUCTS}/{made['id']}", params=include).json()["data"]
    ignore = {"date_modified"}
    assert {k: v for k, v in after.items() if k not in ignore} == {
        k: v for k, v in before.items() if k not in ignore
    }
    moved = [
        {**before["variants"][0], "option_values": [{"option_display_name": "Size", "label": "M"}]}
    ]
    assert store.put(f"{PRODUCTS}/{made['id']}", json={"variants": moved}).status_code == 422


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"name": "x", "type": "physical", "weight": 1, "price": NaN}', "body"),
        (b'{"name": "x", "type": "physical", "weight": 1, "price": Infinity}', "body"),
        (b'{"name": "x", "type": "physical", "weight": 1, "price": 1e30}', "price"),
        (
            b'{"name": "x", "type": "physical", "weight": 1, "price": 1, "sale_price": 1e30}',
            "sale_price",
        ),
    ],
)
def test_non_finite_or_absurd_numbers_are_422(store: StoreClient, raw: bytes, field: str) -> None:
    response = store.post(PRODUCTS, content=raw, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    assert field in response.json()["errors"]
    assert store.get(PRODUCTS).json()["meta"]["pagination"]["total"] == 0
