"""Lifecycle rules in compute_plan: create_only fields are sent on create and never
compared afterwards, ignored fields are never sent nor compared, and neither makes a plan
or its fingerprints depend on what the store changed by itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from reconciler.adapters.base import LiveItem
from reconciler.kinds.registry import KINDS
from reconciler.plan.build import compute_plan
from reconciler.plan.model import ABSENT, KindLifecycle, LeftAlone, Plan
from tests.plan.helpers import live_items, load, product, write_state

OPTIONS = [{"display_name": "Size", "type": "dropdown",
            "values": [{"label": "S"}, {"label": "M"}, {"label": "L"}]}]


def _variant(sku: str, size: str, **fields: Any) -> dict[str, Any]:
    return {"sku": sku, "option_values": {"Size": size}, **fields}


def _jacket(*variants: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return product("JKT-1", inventory_tracking="variant", options=OPTIONS,
                   variants=list(variants), **fields)


def _plan(tmp_path: Path, declared: list[dict[str, Any]], live: list[dict[str, Any]],
          **environment: Any) -> Plan:
    files = {f"catalog/products/{p['sku'].lower()}.yaml": p for p in declared}
    root = write_state(tmp_path / "state", files, environment=environment)
    state, env = load(root)
    store: dict[str, dict[str, LiveItem]] = {"product": live_items("product", *live)}
    return compute_plan(state, store, env, kinds=KINDS)


def test_a_sale_plans_no_change_and_the_plan_says_stock_is_create_only(tmp_path: Path) -> None:
    declared = product("LAMP-1", inventory_tracking="product", inventory_level=85)
    plan = _plan(tmp_path, [declared], [{**declared, "inventory_level": 80}])
    assert plan.changes == ()
    assert plan.unchanged["product"] == 1
    assert plan.lifecycle == (KindLifecycle(
        "product", ("inventory_level", "variants.*.inventory_level"), (), declared_by=1),)
    assert plan.left_alone == (
        LeftAlone("product", "LAMP-1", ("inventory_level",), "create_only", 80, 85),
    )


def test_a_sale_of_a_variant_plans_no_change(tmp_path: Path) -> None:
    declared = _jacket(_variant("JKT-1-S", "S", inventory_level=4))
    live = _jacket(_variant("JKT-1-S", "S", inventory_level=3))
    plan = _plan(tmp_path, [declared], [live])
    assert plan.changes == ()
    assert [(a.path, a.live, a.declared) for a in plan.left_alone] == [
        (("variants", "JKT-1-S", "inventory_level"), 3, 4)
    ]


def test_a_create_sends_the_create_only_stock(tmp_path: Path) -> None:
    declared = _jacket(_variant("JKT-1-S", "S", inventory_level=4),
                       inventory_warning_level=2)
    plan = _plan(tmp_path, [declared], [])
    (create,) = plan.changes
    assert create.desired is not None
    assert create.desired["variants"][0]["inventory_level"] == 4
    assert plan.left_alone == ()


def test_a_variant_added_to_a_live_product_keeps_its_create_only_stock(tmp_path: Path) -> None:
    declared = _jacket(_variant("JKT-1-S", "S", inventory_level=4),
                       _variant("JKT-1-M", "M", inventory_level=7))
    live = _jacket(_variant("JKT-1-S", "S", inventory_level=1))
    plan = _plan(tmp_path, [declared], [live])
    (update,) = plan.changes
    (added,) = update.fields
    assert added.path == ("variants", "JKT-1-M") and added.before is ABSENT
    assert added.after["inventory_level"] == 7  # the variant is created: stock is sent


def test_ignored_fields_are_never_sent_nor_compared(tmp_path: Path) -> None:
    rules = {"lifecycle": {"product": {"ignore": ["inventory_warning_level",
                                                  "variants.*.inventory_warning_level"]}}}
    declared = _jacket(_variant("JKT-1-S", "S", inventory_warning_level=2),
                       _variant("JKT-1-M", "M", inventory_warning_level=3),
                       inventory_warning_level=5)
    created = _plan(tmp_path / "new", [declared], [], **rules)
    (create,) = created.changes
    assert create.desired is not None
    assert "inventory_warning_level" not in create.desired
    assert all("inventory_warning_level" not in v for v in create.desired["variants"])
    assert all(f.path != ("inventory_warning_level",) for f in create.fields)

    live = _jacket(_variant("JKT-1-S", "S", inventory_warning_level=9), inventory_warning_level=1)
    updated = _plan(tmp_path / "old", [declared], [live], **rules)
    (update,) = updated.changes  # only the missing variant
    (added,) = update.fields
    assert added.path == ("variants", "JKT-1-M")
    assert "inventory_warning_level" not in added.after
    assert update.desired is not None and "inventory_warning_level" not in update.desired
    assert {(a.path, a.rule) for a in updated.left_alone} == {
        (("inventory_warning_level",), "ignore"),
        (("variants", "JKT-1-S", "inventory_warning_level"), "ignore"),
    }


def test_an_empty_create_only_list_turns_the_stock_default_off(tmp_path: Path) -> None:
    declared = product("LAMP-1", inventory_tracking="product", inventory_level=85)
    plan = _plan(tmp_path, [declared], [{**declared, "inventory_level": 80}],
                 lifecycle={"product": {"create_only": []}})
    (update,) = plan.changes
    assert [(f.path, f.before, f.after) for f in update.fields] == [
        (("inventory_level",), 80, 85)
    ]
    assert plan.lifecycle == () and plan.left_alone == ()


def test_a_kind_whose_items_declare_no_such_field_is_recorded_with_no_declarations(
    tmp_path: Path,
) -> None:
    plan = _plan(tmp_path, [product("A-1")], [product("A-1")])
    assert plan.lifecycle == (KindLifecycle(
        "product", ("inventory_level", "variants.*.inventory_level"), (), declared_by=0),)


@settings(max_examples=25, deadline=None)
@given(
    declared_stock=st.integers(0, 10_000),
    live_stock=st.integers(0, 10_000),
    other_live_stock=st.integers(0, 10_000),
    variant_stock=st.lists(st.integers(0, 500), min_size=3, max_size=3),
    repriced=st.booleans(),
)
def test_stock_never_shapes_a_plan_its_fingerprints_or_checksum(
    tmp_path_factory: Any,
    declared_stock: int,
    live_stock: int,
    other_live_stock: int,
    variant_stock: list[int],
    repriced: bool,
) -> None:
    """Whatever the store's stock, the plan is the one of a store holding the declared
    stock: same changes, same per-item fingerprints, same checksum."""
    tmp_path = tmp_path_factory.mktemp("stock")
    lamp = product("LAMP-1", inventory_tracking="product", inventory_level=declared_stock)
    sizes = ("S", "M", "L")
    jacket = _jacket(*(_variant(f"JKT-1-{s}", s, inventory_level=5) for s in sizes))
    live_jacket = _jacket(*(_variant(f"JKT-1-{s}", s, inventory_level=n)
                            for s, n in zip(sizes, variant_stock, strict=True)))
    price = {"price": "12.00"} if repriced else {}
    files = {"catalog/products/lamp.yaml": {**lamp, **price},
             "catalog/products/jkt.yaml": jacket}
    root = write_state(tmp_path / "state", files)
    state, env = load(root)

    def planned(lamp_stock: int, jacket_live: dict[str, Any]) -> Plan:
        live = {"product": live_items("product", {**lamp, "inventory_level": lamp_stock},
                                      jacket_live)}
        return compute_plan(state, live, env, kinds=KINDS)

    as_declared = planned(declared_stock, jacket)
    after_sales = planned(live_stock, live_jacket)
    elsewhere = planned(other_live_stock, jacket)
    assert after_sales.changes == as_declared.changes == elsewhere.changes
    assert len(after_sales.changes) == (1 if repriced else 0)
    assert after_sales.checksum == as_declared.checksum == elsewhere.checksum
