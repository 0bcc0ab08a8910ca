"""The executor's parts as pure functions: waves, dependencies, policy, deployment status."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.adapters.base import ItemResult
from reconciler.apply.dependencies import FailureLedger, dependencies_of
from reconciler.apply.deployment import status_of
from reconciler.apply.executor import waves_of
from reconciler.apply.run import ApplyRequest, check_policy
from reconciler.config import effective_environment, parse_config
from reconciler.errors import PolicyError
from reconciler.kinds.registry import KINDS, kind_named
from reconciler.plan.model import ABSENT, Change, FieldChange
from reconciler.plan.ordering import ordered

KIND_NAMES = [kind.name for kind in KINDS]

changes = st.lists(
    st.builds(
        Change,
        kind=st.sampled_from(KIND_NAMES),
        key=st.text("ABCxyz-/ ", min_size=1, max_size=6),
        action=st.sampled_from(["create", "update", "delete"]),
    ),
    max_size=40,
)


@given(changes)
def test_waves_partition_a_plan_in_order_one_kind_and_action_each(items: list[Change]) -> None:
    plan = ordered(items, KINDS)
    waves = waves_of(plan)
    assert [c for wave in waves for c in wave.changes] == list(plan)
    for wave in waves:
        assert {(c.kind, c.action) for c in wave.changes} == {(wave.kind, wave.action)}
    # Creates and updates come kind by kind in apply order, then deletes in reverse.
    ranks = [
        (wave.action == "delete", KIND_NAMES.index(wave.kind) * (-1 if wave.action == "delete"
                                                                  else 1))
        for wave in waves
    ]
    assert ranks == sorted(ranks)


def product(sku: str, brand: str | None, categories: list[str], **extra: object) -> Change:
    desired: dict[str, object] = {"sku": sku, "name": sku, "type": "physical", "price": "1",
                                  "weight": "1", "categories": categories, **extra}
    if brand is not None:
        desired["brand"] = brand
    return Change("product", sku, "create", desired=desired)


def test_references_are_read_from_canonical_values_with_extra_fields() -> None:
    change = product("TRAIL-01", "Summit", ["Footwear/Trail"],
                     images=[{"file": "a.png", "sha256": "ab" * 32}])
    found = dependencies_of(change)
    assert found.items == {("brand", "summit"), ("category", "Footwear/Trail")}
    assert not found.unknown


def test_a_change_whose_values_do_not_validate_depends_on_its_kinds() -> None:
    change = Change("product", "X", "create", desired={"sku": "X", "price": "not money"})
    assert dependencies_of(change).unknown == set(kind_named("product").depends_on)
    assert "brand" in kind_named("product").depends_on
    ledger = FailureLedger()
    ledger.record(Change("brand", "Summit", "create", desired={"name": "Summit"}))
    assert ledger.blocker(change) == "its values could not be read and a brand change failed"


@given(st.sampled_from(["Summit", "SUMMIT", "summit"]), st.booleans())
def test_only_what_refers_to_a_failed_item_is_skipped(spelling: str, failed: bool) -> None:
    ledger = FailureLedger()
    if failed:
        ledger.record(Change("brand", "Summit", "create", desired={"name": "Summit"}))
    assert (ledger.blocker(product("A-1", spelling, [])) is not None) is failed
    assert ledger.blocker(product("A-2", None, ["Gifts"])) is None


def test_a_failed_delete_keeps_what_it_refers_to() -> None:
    ledger = FailureLedger()
    doomed = Change("product", "OLD-1", "delete", fields=(
        FieldChange(("sku",), "OLD-1", ABSENT), FieldChange(("name",), "Old", ABSENT),
        FieldChange(("type",), "physical", ABSENT), FieldChange(("price",), "1", ABSENT),
        FieldChange(("weight",), "1", ABSENT), FieldChange(("brand",), "Gone", ABSENT),
    ))
    ledger.record(doomed)
    assert ledger.blocker(Change("brand", "Gone", "delete")) is not None
    assert ledger.blocker(Change("brand", "Other", "delete")) is None


def result(outcome: str, message: str = "") -> ItemResult:
    return ItemResult("brand", "B", "create", outcome, message)  # type: ignore[arg-type]


def test_deployment_status() -> None:
    assert status_of([]) == "no-changes"
    assert status_of([result("applied"), result("skipped", "blocked: protect")]) == "succeeded"
    assert status_of([result("applied"), result("failed")]) == "partial"
    assert status_of([result("failed"), result("skipped", "it refers to ...")]) == "failed"


CONFIG = parse_config({
    "version": 1,
    "environments": {
        "production": {
            "backend": {"sandbox": "prod"},
            "protected": True,
            "deploy_windows": [{"days": ["tue", "wed", "thu"], "start": "09:30", "end": "16:00",
                                "timezone": "America/Denver"}],
        },
    },
})


@pytest.mark.parametrize(
    ("moment", "allowed"),
    [
        (datetime(2026, 11, 24, 17, 0, tzinfo=UTC), True),   # Tue 10:00 in Denver
        (datetime(2026, 11, 24, 12, 0, tzinfo=UTC), False),  # Tue 05:00 in Denver
        (datetime(2026, 11, 28, 17, 0, tzinfo=UTC), False),  # Saturday
    ],
)
def test_deploy_windows(moment: datetime, allowed: bool) -> None:
    settings = effective_environment(CONFIG, "production")
    request = ApplyRequest(state=None, environment="production",  # type: ignore[arg-type]
                           confirm="production")
    if allowed:
        check_policy(settings, request, moment)
    else:
        with pytest.raises(PolicyError, match="deploy windows"):
            check_policy(settings, request, moment)
    forced = ApplyRequest(state=None, environment="production",  # type: ignore[arg-type]
                          confirm="production", force_reason="hotfix")
    check_policy(settings, forced, moment)
    with pytest.raises(PolicyError, match="protected"):
        check_policy(settings, ApplyRequest(state=None, environment="production"),  # type: ignore[arg-type]
                     moment)
