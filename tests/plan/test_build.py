"""compute_plan: creates, updates, deletes under each prune mode, protected items, safety
thresholds and --force, ordering, fingerprints and checksum stability."""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.adapters.base import LiveItem
from reconciler.kinds.registry import KINDS
from reconciler.kinds.secret_refs import NOT_SHOWN
from reconciler.plan.build import NOT_PLAN_SETTINGS, compute_plan
from reconciler.plan.model import ABSENT, Plan
from reconciler.plan.selection import Selection
from tests.plan.helpers import live_items, load, product, write_state

BRANDS = {"catalog/brands/brands.yaml": {"brands": [{"name": "Summit"}, {"name": "Cairn"}]}}
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CATEGORIES = {"catalog/categories/c.yaml": {"categories": [
    {"path": "Footwear"}, {"path": "Footwear/Trail"}]}}


def _plan(root: Path, live: dict[str, dict[str, LiveItem]], **kwargs: Any) -> Plan:
    declared, environment = load(root)
    return compute_plan(declared, live, environment, kinds=KINDS, **kwargs)


def _state(tmp_path: Path, products: list[dict[str, Any]], **environment: Any) -> Path:
    files: dict[str, Any] = {**BRANDS, **CATEGORIES}
    for item in products:
        files[f"catalog/products/{item['sku'].lower()}.yaml"] = item
    return write_state(tmp_path / "state", files, environment=environment)


def _live_products(*skus: str, owned: bool = False, **fields: Any) -> dict[str, LiveItem]:
    return live_items("product", *(product(sku, **fields) for sku in skus), owned=owned)


def _brands_live() -> dict[str, LiveItem]:
    return live_items("brand", {"name": "Summit"}, {"name": "Cairn"})


def test_an_empty_store_gets_every_item_created_in_dependency_order(tmp_path: Path) -> None:
    root = _state(tmp_path, [product("A-1", brand="Summit", categories=["Footwear/Trail"])])
    plan = _plan(root, {})
    assert [(c.action, c.kind, c.key) for c in plan.changes] == [
        ("create", "brand", "Cairn"),
        ("create", "brand", "Summit"),
        ("create", "category", "Footwear"),
        ("create", "category", "Footwear/Trail"),
        ("create", "product", "A-1"),
    ]
    create = plan.changes[-1]
    assert create.desired is not None and create.desired["price"] == "10.00"
    assert {f.path for f in create.fields} >= {("sku",), ("price",), ("brand",)}
    assert all(f.before is ABSENT for f in create.fields)
    assert create.source == "catalog/products/a-1.yaml:1:1"
    assert create.title == "Product A-1"


def test_an_equal_store_plans_no_change(tmp_path: Path) -> None:
    root = _state(tmp_path, [product("A-1"), product("B-1")])
    live = {
        "brand": _brands_live(),
        "category": live_items("category", {"path": "Footwear"}, {"path": "Footwear/Trail"}),
        "product": {**live_items("product", {**product("A-1"), "sku": "a-1"}),
                    **_live_products("B-1")},
    }
    plan = _plan(root, live)
    assert plan.changes == ()
    assert plan.unchanged["product"] == 2 and plan.unchanged["brand"] == 2
    assert not plan.has_changes


def test_an_update_lists_the_field_changes_with_the_live_fingerprint(tmp_path: Path) -> None:
    root = _state(tmp_path, [product("A-1", price="79.00")])
    live = {"product": _live_products("A-1", price=89)}
    (change,) = [c for c in _plan(root, live).changes if c.kind == "product"]
    assert change.action == "update"
    assert [(f.path, f.before, f.after) for f in change.fields] == [(("price",), "89", "79.00")]
    assert change.live_ids == {"id": 1}
    assert change.fingerprint is not None and len(change.fingerprint) == 64


@pytest.mark.parametrize(
    ("mode", "owned", "deleted"),
    [("off", True, False), ("owned", False, False), ("owned", True, True), ("all", False, True)],
)
def test_undeclared_live_items_are_deleted_only_as_the_prune_mode_allows(
    tmp_path: Path, mode: str, owned: bool, deleted: bool
) -> None:
    root = _state(tmp_path, [product("A-1")], prune={"products": mode})
    live = {"product": {**_live_products("A-1"), **_live_products("OLD-1", owned=owned)}}
    plan = _plan(root, live)
    deletes = [c for c in plan.changes if c.action == "delete"]
    assert [c.key for c in deletes] == (["OLD-1"] if deleted else [])
    if deleted:
        assert deletes[0].fingerprint is not None
        assert {f.path for f in deletes[0].fields} >= {("sku",), ("price",)}
        assert all(f.after is ABSENT for f in deletes[0].fields)


def test_a_protected_live_item_is_a_blocked_delete(tmp_path: Path) -> None:
    root = _state(tmp_path, [product("A-1")], prune={"products": "all"})
    live = {
        "brand": _brands_live(),
        "category": live_items("category", {"path": "Footwear"}, {"path": "Footwear/Trail"}),
        "product": {**_live_products("A-1"), **_live_products("KEEP-1", protect=True)},
    }
    plan = _plan(root, live)
    (blocked,) = [c for c in plan.changes if c.action == "delete"]
    assert blocked.key == "KEEP-1" and blocked.blocked is not None
    assert not plan.has_changes
    assert plan.counts()["product"]["blocked"] == 1


def test_deletes_come_last_in_reverse_dependency_order(tmp_path: Path) -> None:
    root = _state(tmp_path, [product("A-1")], prune={"products": "all", "categories": "all"})
    live = {
        "category": live_items("category", {"path": "Footwear"}, {"path": "Footwear/Trail"},
                               {"path": "Old"}, {"path": "Old/Sub"}),
        "product": {**_live_products("A-1", price=1), **_live_products("Z-9")},
    }
    plan = _plan(root, live)
    assert [(c.action, c.key) for c in plan.changes] == [
        ("create", "Cairn"),
        ("create", "Summit"),
        ("update", "A-1"),
        ("delete", "Z-9"),
        ("delete", "Old/Sub"),
        ("delete", "Old"),
    ]


def _many(tmp_path: Path, changed: int, total: int = 10, **environment: Any) -> Path:
    items = [product(f"P-{i:02d}", price="20" if i < changed else "10") for i in range(total)]
    return _state(tmp_path, items, **environment)


def test_updating_more_than_the_share_blocks_the_plan(tmp_path: Path) -> None:
    root = _many(tmp_path, changed=4)
    live = {"brand": _brands_live(),
            "product": _live_products(*(f"P-{i:02d}" for i in range(10)))}
    plan = _plan(root, live)
    assert plan.safety.blocked
    assert plan.safety.violations == (
        "would update 4 of 10 products (40%), more than the 30% allowed",
    )
    forced = _plan(root, live, force_reason="repricing for the sale")
    assert not forced.safety.blocked and forced.safety.forced_reason == "repricing for the sale"
    assert forced.checksum != plan.checksum


def test_thresholds_allow_small_kinds_and_shares_within_the_limit(tmp_path: Path) -> None:
    live = {"product": _live_products(*(f"P-{i:02d}" for i in range(10)))}
    assert not _plan(_many(tmp_path / "a", changed=3), live).safety.blocked
    small = {"product": _live_products(*(f"P-{i:02d}" for i in range(9)))}
    assert not _plan(_many(tmp_path / "b", changed=9, total=9), small).safety.blocked
    lax = _many(tmp_path / "c", changed=10, safety={"max_update_share": 1.0})
    assert not _plan(lax, live).safety.blocked


def test_deletes_count_against_the_delete_threshold(tmp_path: Path) -> None:
    root = _state(tmp_path, [product(f"P-{i}") for i in range(6)], prune={"products": "all"},
                  safety={"max_delete_share": 0.3})
    live = {"product": _live_products(*(f"P-{i}" for i in range(10)))}
    plan = _plan(root, live)
    assert plan.safety.violations == (
        "would delete 4 of 10 products (40%), more than the 30% allowed",
    )


def test_selection_narrows_both_sides_and_never_deletes_outside_it(tmp_path: Path) -> None:
    root = _state(tmp_path, [product("TRAIL-1", price=5), product("ROAD-1", price=5)],
                  prune={"products": "all"})
    live = {"product": _live_products("TRAIL-1", "ROAD-1", "TRAIL-OLD", "ROAD-OLD")}
    plan = _plan(root, live, selection=Selection.parse(["product:trail-*"]))
    assert plan.kinds == ("product",)
    assert plan.selection == ("--only product:trail-*",)
    assert [(c.action, c.key) for c in plan.changes] == [
        ("update", "TRAIL-1"), ("delete", "TRAIL-OLD")
    ]
    excluded = _plan(root, live, selection=Selection.parse((), ["product:*-OLD", "brand"]))
    assert "brand" not in excluded.kinds
    assert [c.key for c in excluded.changes if c.kind == "product"] == ["ROAD-1", "TRAIL-1"]


def test_checksum_is_stable_over_time_and_commit(tmp_path: Path) -> None:
    root = _state(tmp_path, [product("A-1", price=5)])
    live = {"product": _live_products("A-1")}
    first = _plan(root, live, created_at="2026-01-01T00:00:00+00:00", commit="a" * 40)
    again = _plan(root, live, created_at="2026-02-02T00:00:00+00:00", commit=None)
    assert first.checksum == again.checksum


def test_checksum_is_the_change_set_not_the_rest_of_the_store(tmp_path: Path) -> None:
    """Stock and any undeclared value of other products, products only the store has,
    and other declared items, equal live: none of them is part of the plan's identity;
    the live values of the item it changes are."""
    others = [f"B-{i:03d}" for i in range(100)]
    root = _state(tmp_path, [product("A-1", price=5), *(product(sku) for sku in others)])
    declared, environment = load(root)

    def plan_of(a_stock: int, stock: list[int], shop_only: int, a_mpn: str = "A") -> Plan:
        products = {
            **live_items("product", product("A-1", inventory_level=a_stock, mpn=a_mpn)),
            **live_items("product", *(
                product(sku, inventory_level=level, mpn=f"M{level}")
                for sku, level in zip(others, stock, strict=True)
            )),
            **live_items("product", *(product(f"SHOP-{i}") for i in range(shop_only))),
        }
        live = {"brand": _brands_live(), "product": products}
        return compute_plan(declared, live, environment, kinds=KINDS)

    reviewed = plan_of(3, [0] * 100, 0)
    assert [(c.action, c.key) for c in reviewed.changes if c.kind == "product"] == [
        ("update", "A-1")
    ]

    @FAST
    @given(st.lists(st.integers(0, 10_000), min_size=100, max_size=100), st.integers(0, 5))
    def unrelated_moves(stock: list[int], shop_only: int) -> None:
        assert plan_of(3, stock, shop_only).checksum == reviewed.checksum

    unrelated_moves()
    # A-1's stock is create-only (lifecycle): a sale of A-1 itself changes nothing either.
    assert plan_of(2, [0] * 100, 0).checksum == reviewed.checksum
    # Another of A-1's live values changed since the review: not the reviewed plan.
    assert plan_of(3, [0] * 100, 0, a_mpn="B").checksum != reviewed.checksum


def test_settings_that_shape_the_plan_are_part_of_it(tmp_path: Path) -> None:
    root = _state(tmp_path / "a", [product("A-1")])
    plan, environment = _plan(root, {}), load(root)[1]
    # Every setting an environment holds is either policy (where and whether to apply)
    # or in the plan: a setting added later is picked up without listing it.
    assert set(plan.settings) == {
        f.name for f in dataclasses.fields(environment)
    } - NOT_PLAN_SETTINGS
    assert {"prune", "safety"} <= set(plan.settings)
    pruned = _plan(_state(tmp_path / "b", [product("A-1")], prune={"products": "owned"}), {})
    assert pruned.settings["prune"]["product"] == "owned"
    assert pruned.checksum != plan.checksum
    stricter = _plan(_state(tmp_path / "c", [product("A-1")], safety={"min_items": 3}), {})
    assert stricter.checksum != plan.checksum
    protected = _plan(_state(tmp_path / "d", [product("A-1")], protected=True), {})
    assert protected.checksum == plan.checksum


def test_image_files_are_resolved_from_the_state_root_and_hashed(tmp_path: Path) -> None:
    item = product("A-1", images=[{"file": "images/a.png", "description": "front"}])
    root = _state(tmp_path, [item])
    (root / "catalog/products/images").mkdir(parents=True)
    (root / "catalog/products/images/a.png").write_bytes(b"png bytes")
    (create,) = [c for c in _plan(root, {}).changes if c.kind == "product"]
    assert create.desired is not None
    assert create.desired["images"] == [{
        "file": "catalog/products/images/a.png",
        "description": "front",
        "sha256": hashlib.sha256(b"png bytes").hexdigest(),
    }]


def test_sources_point_at_the_first_line_of_the_declaration(tmp_path: Path) -> None:
    root = _state(tmp_path, [product("A-1")])
    path = root / "catalog/products/a-1.yaml"
    path.write_text("# yaml-language-server: $schema=x\n\n" + path.read_text())
    plan = _plan(root, {})
    sources = {c.key: c.source for c in plan.changes}
    assert sources["A-1"] == "catalog/products/a-1.yaml:3:1"
    assert sources["Footwear/Trail"] == "catalog/categories/c.yaml:3:3"


def test_a_deleted_items_text_that_may_hold_secrets_is_not_shown(tmp_path: Path) -> None:
    root = _state(tmp_path, [product("A-1")], prune={"scripts": "all"})
    old = {"name": "Old chat", "kind": "script_tag", "location": "footer",
           "html": "<script>chat('live-key-never-declared')</script>"}
    plan = _plan(root, {"product": _live_products("A-1"), "script": live_items("script", old)})
    (delete,) = [c for c in plan.changes if c.action == "delete"]
    shown = {f.path: f.before for f in delete.fields}
    assert shown[("html",)] == NOT_SHOWN and shown[("location",)] == "footer"


# --- values as declared -------------------------------------------------------------------
RAW_BODY = "<script>\n// load the feed\nloadFeed();\n</script>\n<pre>a    b</pre>"
"""A raw page body whose whitespace is content (the comment ends at the newline)."""
MANGLED_BODY = "<script> // load the feed loadFeed(); </script> <pre>a b</pre>"


def _page_state(tmp_path: Path, body: str) -> Path:
    page = {"name": "Feed", "type": "raw", "url": "/feed/", "body": body}
    return write_state(tmp_path / "state", {"content/pages/feed.yaml": {"pages": [page]}})


def test_a_create_carries_the_values_exactly_as_declared(tmp_path: Path) -> None:
    description = "  <p>Light\n\n  and    fast</p>\t"
    root = _state(tmp_path, [product("A-1", description=description, price="12.3450")])
    (create,) = [c for c in _plan(root, {}).changes if c.kind == "product"]
    assert create.desired is not None
    assert create.desired["description"] == description
    assert create.desired["price"] == "12.3450"
    fields = {f.path: f.after for f in create.fields}
    assert fields[("description",)] == description and fields[("price",)] == "12.3450"


def test_a_page_body_is_planned_byte_for_byte(tmp_path: Path) -> None:
    (create,) = _plan(_page_state(tmp_path, RAW_BODY), {}).changes
    assert create.desired is not None and create.desired["body"] == RAW_BODY


def test_whitespace_inside_script_and_pre_is_a_change(tmp_path: Path) -> None:
    # What the old planner stored: the script's comment now swallows the call. The plan
    # must show it, and the update must carry the body as declared.
    live = {"page": live_items("page", {"name": "Feed", "type": "raw", "url": "/feed/",
                                        "body": MANGLED_BODY}, key_field="url")}
    (update,) = _plan(_page_state(tmp_path, RAW_BODY), live).changes
    assert update.action == "update"
    assert [(f.path, f.before, f.after) for f in update.fields] == [
        (("body",), MANGLED_BODY, RAW_BODY)
    ]
    assert update.desired is not None and update.desired["body"] == RAW_BODY


def test_whitespace_between_elements_is_not_a_change(tmp_path: Path) -> None:
    spaced = "<p>one</p>\n\n   <p>two</p>\n" + RAW_BODY + "\n"
    live = {"page": live_items("page", {"name": "Feed", "type": "raw", "url": "/feed/",
                                        "body": "<p>one</p> <p>two</p> " + RAW_BODY},
                               key_field="url")}
    assert _plan(_page_state(tmp_path, spaced), live).changes == ()


def test_an_update_shows_values_as_declared_and_as_the_store_has_them(tmp_path: Path) -> None:
    root = _state(tmp_path, [product("A-1", description="<p>New\n  text</p>", price="7.50")])
    live = {"product": _live_products("A-1", description="<p>Old   text</p>", price=7.5)}
    (change,) = [c for c in _plan(root, live).changes if c.kind == "product"]
    assert [(f.path, f.before, f.after) for f in change.fields] == [
        (("description",), "<p>Old   text</p>", "<p>New\n  text</p>")
    ]
