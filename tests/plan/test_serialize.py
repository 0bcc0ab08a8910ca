"""The plan's JSON: round trip, versioning, tamper check, and the committed schema."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from reconciler.errors import ConfigError
from reconciler.plan.model import (
    ABSENT,
    FORMAT_VERSION,
    Change,
    FieldChange,
    KindLifecycle,
    KindSafety,
    LeftAlone,
    Plan,
    Safety,
)
from reconciler.plan.schema import SCHEMA_FILE, plan_schema
from reconciler.plan.serialize import plan_from_json, plan_to_json
from reconciler.state.schemas import render

SCHEMAS = Path(__file__).resolve().parents[2] / "schemas"

PLAN = Plan(
    environment="production",
    store="abc123",
    changes=(
        Change("product", "TRAIL-01", "update", "Trail Runner",
               (FieldChange(("price",), "89", "79"),
                FieldChange(("variants", "TRAIL-01-9"), ABSENT, {"sku": "TRAIL-01-9"}),
                FieldChange(("images", 1), {"url": "https://x/y.png"}, ABSENT)),
               desired={"sku": "TRAIL-01", "price": "79"}, live_ids={"id": 7},
               fingerprint="0" * 64, source="catalog/products/trail.yaml:2:1"),
        Change("product", "KEEP-1", "delete", "", (FieldChange(("sku",), "KEEP-1", ABSENT),),
               live_ids={"id": 9}, fingerprint="1" * 64, blocked="protect: true"),
    ),
    unchanged={"product": 40, "brand": 6},
    settings={"prune": {"product": "owned"}, "safety": {"max_update_share": 0.3}},
    safety=Safety(
        (KindSafety("product", 42, 1, 0, 0.3, 0.3, 10, ("would update 40 of 42 products",)),),
        forced_reason="sale",
    ),
    kinds=("brand", "product"),
    selection=("--only product",),
    currency="USD",
    currency_symbol="$",
    created_at="2026-11-26T06:00:00+00:00",
    commit="f" * 40,
)


def test_json_round_trip_keeps_everything() -> None:
    data = json.loads(json.dumps(plan_to_json(PLAN)))
    assert plan_from_json(data) == PLAN
    assert data["checksum"] == PLAN.checksum
    assert "before" not in data["changes"][0]["fields"][1]
    assert "after" not in data["changes"][0]["fields"][2]


def test_output_validates_against_the_schema() -> None:
    jsonschema.Draft202012Validator.check_schema(plan_schema())
    jsonschema.validate(plan_to_json(PLAN), plan_schema())
    empty = Plan("uat", "sandbox:x", (), {})
    jsonschema.validate(plan_to_json(empty), plan_schema())


def test_the_committed_schema_is_the_generated_one() -> None:
    assert (SCHEMAS / SCHEMA_FILE).read_text(encoding="utf-8") == render(plan_schema())


def _with(**values: Any) -> Plan:
    return Plan(**{**PLAN.__dict__, **values})


def _with_change(index: int, **values: Any) -> Plan:
    changes = list(PLAN.changes)
    changes[index] = Change(**{**changes[index].__dict__, **values})
    return _with(changes=tuple(changes))


def test_checksum_is_the_change_set_not_the_time_counts_or_positions() -> None:
    assert _with(created_at="2027-01-01T00:00:00+00:00", commit=None).checksum == PLAN.checksum
    # How many items are unchanged, or how many the store holds, is not the change set.
    assert _with(unchanged={"product": 41, "brand": 6}).checksum == PLAN.checksum
    shares = Safety((KindSafety("product", 420, 1, 0, 0.3, 0.3, 10, ("would update",)),),
                    forced_reason="sale")
    assert _with(safety=shares).checksum == PLAN.checksum
    # Another item declared above it moves a change's source line, not the change.
    assert _with_change(0, source="catalog/products/trail.yaml:9:1").checksum == PLAN.checksum
    # A blocked delete is never applied: its live values may move.
    assert _with_change(1, fingerprint="9" * 64).checksum == PLAN.checksum


@pytest.mark.parametrize(
    "edited",
    [
        lambda: _with(environment="staging"),
        lambda: _with(store="other"),
        lambda: _with(settings={"prune": {"product": "all"}}),
        lambda: _with(selection=()),
        lambda: _with(safety=Safety(PLAN.safety.kinds, forced_reason=None)),
        lambda: _with(safety=Safety((), forced_reason="sale")),
        lambda: _with_change(0, fingerprint="7" * 64),
        lambda: _with_change(0, desired={"sku": "TRAIL-01", "price": "78"}),
        lambda: _with_change(0, fields=PLAN.changes[0].fields[:1]),
        lambda: _with_change(0, live_ids={"id": 8}),
        lambda: _with_change(1, blocked=None),
        lambda: _with(changes=PLAN.changes[:1]),
    ],
)
def test_checksum_changes_with_the_change_set(edited: Any) -> None:
    assert edited().checksum != PLAN.checksum


def _edited(change: dict[str, Any]) -> dict[str, Any]:
    data = plan_to_json(PLAN)
    data.update(change)
    return data


def test_unknown_versions_and_edited_plans_are_refused() -> None:
    with pytest.raises(ConfigError, match=f"format_version 99; this StagingPro reads version"
                                          f" {FORMAT_VERSION}"):
        plan_from_json(_edited({"format_version": 99}))
    with pytest.raises(ConfigError, match="checksum does not match"):
        plan_from_json(_edited({"environment": "staging"}))
    with pytest.raises(ConfigError, match=r"plan\.changes\[0\]\.action: expected create"):
        plan_from_json(_edited({"changes": [{"kind": "product", "key": "A", "action": "zap"}]}))
    with pytest.raises(ConfigError, match=r"plan\.settings: missing"):
        data = plan_to_json(PLAN)
        del data["settings"]
        plan_from_json(data)


def test_lifecycle_rules_and_values_left_alone_round_trip_and_validate() -> None:
    plan = Plan(**{
        **PLAN.__dict__,
        "lifecycle": (KindLifecycle("product", ("inventory_level",), ("mpn",), 26),),
        "left_alone": (
            LeftAlone("product", "TRAIL-01", ("inventory_level",), "create_only", 80, 85),
            LeftAlone("product", "TRAIL-02", ("variants", "T-2-S", "mpn"), "ignore",
                      ABSENT, "X1"),
        ),
    })
    data = json.loads(json.dumps(plan_to_json(plan)))
    assert data["lifecycle"] == {
        "product": {"create_only": ["inventory_level"], "ignore": ["mpn"], "declared_by": 26}
    }
    assert data["left_alone"][1] == {"kind": "product", "key": "TRAIL-02",
                                     "path": ["variants", "T-2-S", "mpn"], "rule": "ignore",
                                     "declared": "X1"}
    jsonschema.validate(data, plan_schema())
    assert plan_from_json(data) == plan


def test_the_checksum_covers_the_lifecycle_rules_but_not_the_live_values_left_alone() -> None:
    rules = Plan(**{**PLAN.__dict__,
                    "lifecycle": (KindLifecycle("product", ("inventory_level",)),)})
    assert rules.checksum != PLAN.checksum
    after_a_sale = Plan(**{**rules.__dict__, "left_alone": (
        LeftAlone("product", "TRAIL-01", ("inventory_level",), "create_only", 80, 85),
    )})
    assert after_a_sale.checksum == rules.checksum
