"""A merge applies what was reviewed on a living store: ``apply --checksum`` (the change
set) and ``apply --reviewed plan.json`` (the reviewed part of a fresh plan), with two pull
requests branched from the same base, the store moving in between."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconciler.apply.reviewed import reviewed_part
from reconciler.errors import PlanStaleError
from reconciler.plan.model import Change, FieldChange, KindSafety, Plan, Safety
from reconciler.plan.safety import recount
from tests.apply.conftest import Project, git

GAITERS = ("catalog/products/trail-gaiters.yaml", "price: 29.00", "price: 31.00")
CHALK = ("catalog/products/chalk-bag.yaml", "price: 25.00", "price: 27.00")


def _pull_request(project: Project, branch: str, edit: tuple[str, str, str],
                  env: str = "staging") -> str:
    """Branch ``branch`` from main with ``edit``; its plan for ``env`` as reviewed, saved
    as ``<branch>.json``; back on main. The reviewed checksum."""
    git(project.root, "checkout", "-q", "-b", branch, "main")
    project.edit(*edit)
    project.commit(f"{branch}: {edit[0]}")
    code, _, err = project.cli("plan", env, "--out", f"{branch}.json")
    assert code == 0, err
    git(project.root, "checkout", "-q", "main")
    checksum: str = json.loads((project.root / f"{branch}.json").read_text())["checksum"]
    return checksum


def _merge(project: Project, branch: str) -> None:
    git(project.root, "merge", "-q", "--no-ff", "-m", f"Merge {branch}", branch)


def _product(project: Project, sku: str, env: str = "staging") -> dict[str, Any]:
    found: dict[str, Any] = project.api(
        "GET", "/v3/catalog/products", env, params={"sku": sku}
    )["data"][0]
    return found


def test_two_pull_requests_merged_back_to_back_both_apply_with_their_checksums(
    project: Project,
) -> None:
    assert project.apply()[0] == 0
    gaiters = _pull_request(project, "pr-gaiters", GAITERS)
    chalk = _pull_request(project, "pr-chalk", CHALK)
    _merge(project, "pr-gaiters")
    code, out, err = project.cli("apply", "staging", "--checksum", gaiters)
    assert code == 0, err
    assert "1 applied, 0 failed" in out
    # The second merge: its base had neither change; the first is applied by now.
    _merge(project, "pr-chalk")
    code, out, err = project.cli("apply", "staging", "--checksum", chalk)
    assert code == 0, err
    assert "1 applied, 0 failed" in out
    assert _product(project, "ACC-02")["price"] == 31
    assert _product(project, "CLMB-02")["price"] == 27
    assert project.pending() == 0


def test_both_merged_before_either_applies_each_applies_its_reviewed_part(
    project: Project,
) -> None:
    assert project.apply()[0] == 0
    gaiters = _pull_request(project, "pr-gaiters", GAITERS)
    chalk = _pull_request(project, "pr-chalk", CHALK)
    _merge(project, "pr-gaiters")
    _merge(project, "pr-chalk")
    # The checksum alone cannot tell which changes were reviewed: refused, and pointed on.
    code, _, err = project.cli("apply", "staging", "--checksum", chalk)
    assert code == 1
    assert "not the reviewed one" in err and "--reviewed" in err
    cursor = project.cursor()
    code, out, err = project.cli(
        "apply", "staging", "--reviewed", "pr-chalk.json", "--checksum", chalk
    )
    assert code == 0, err
    assert "1 applied, 0 failed" in out
    assert "1 change(s) not reviewed, not applied" in out
    assert "update product ACC-02" in out
    # Read back over plain HTTP: the unreviewed change was not written, the reviewed was.
    writes = [r for r in project.requests_since(cursor) if r["method"] != "GET"]
    assert all("ACC-02" not in json.dumps(r) for r in writes)
    assert _product(project, "ACC-02")["price"] == 29
    assert _product(project, "CLMB-02")["price"] == 27
    # The other pull request's apply then finds its own change, and nothing unreviewed.
    code, out, err = project.cli("apply", "staging", "--reviewed", "pr-gaiters.json")
    assert code == 0, err
    assert "1 applied, 0 failed" in out and "not reviewed" not in out
    assert _product(project, "ACC-02")["price"] == 31
    assert project.pending() == 0
    # Run again (a re-run job): nothing reviewed is left, nothing else is done.
    code, out, err = project.cli("apply", "staging", "--reviewed", "pr-gaiters.json",
                                 "--checksum", gaiters)
    assert code == 0, err
    assert "reviewed, nothing left to do" in out and "update product ACC-02" in out


def test_stock_moving_on_100_other_products_keeps_the_reviewed_checksum(
    project: Project,
) -> None:
    assert project.apply("uat")[0] == 0
    # Products only the store has (uat prunes only what StagingPro created): a shop's sales.
    ids = [
        project.api("POST", "/v3/catalog/products", "uat", json={
            "name": f"Shop item {i}", "sku": f"SHOP-{i:03d}", "type": "physical",
            "weight": 1, "price": 5, "inventory_tracking": "product", "inventory_level": 50,
        })["data"]["id"]
        for i in range(100)
    ]
    gaiters = _pull_request(project, "pr-gaiters", GAITERS, env="uat")
    for start in range(0, 100, 10):
        project.api("PUT", "/v3/catalog/products", "uat", json=[
            {"id": product_id, "inventory_level": 49 - start // 10, "price": 6}
            for product_id in ids[start:start + 10]
        ])
    _merge(project, "pr-gaiters")
    code, out, err = project.cli("apply", "uat", "--checksum", gaiters)
    assert code == 0, err
    assert "1 applied, 0 failed" in out
    assert _product(project, "ACC-02", "uat")["price"] == 31
    assert _product(project, "SHOP-099", "uat")["inventory_level"] == 40


def test_a_reviewed_item_changed_since_the_review_is_refused_naming_it(
    project: Project,
) -> None:
    assert project.apply()[0] == 0
    gaiters = _pull_request(project, "pr-gaiters", GAITERS)
    _merge(project, "pr-gaiters")
    product = _product(project, "ACC-02")
    project.api("PUT", f"/v3/catalog/products/{product['id']}", json={"cost_price": 14})
    cursor = project.cursor()
    code, _, err = project.cli("apply", "staging", "--checksum", gaiters)
    assert code == 1 and "not the reviewed one" in err
    code, _, err = project.cli("apply", "staging", "--reviewed", "pr-gaiters.json")
    assert code == 1
    assert "product ACC-02 was changed in the store since the review" in err
    assert [r for r in project.requests_since(cursor) if r["method"] != "GET"] == []
    # Its declaration changing after the review (an unreviewed commit) is refused too.
    project.api("PUT", f"/v3/catalog/products/{product['id']}", json={"cost_price": 13.05})
    project.edit("catalog/products/trail-gaiters.yaml", "price: 31.00", "price: 33.00")
    project.commit("gaiters up again, unreviewed")
    code, _, err = project.cli("apply", "staging", "--reviewed", "pr-gaiters.json")
    assert code == 1
    assert "product ACC-02: its change differs from the reviewed one (price)" in err
    assert _product(project, "ACC-02")["price"] == 29


def test_reviewed_plan_must_be_the_one_whose_checksum_was_reviewed(project: Project) -> None:
    _pull_request(project, "pr-gaiters", GAITERS)
    code, _, err = project.cli("apply", "staging", "--reviewed", "pr-gaiters.json",
                               "--checksum", "0" * 64)
    assert code == 1
    assert "is not the reviewed plan" in err
    code, _, err = project.cli("apply", "staging", "--reviewed", "pr-gaiters.json",
                               "--plan", "pr-gaiters.json")
    assert code == 1 and "not both" in err
    code, _, err = project.cli("apply", "uat", "--reviewed", "pr-gaiters.json")
    assert code == 1 and "the plan is for staging" in err


# -- the reviewed part, as a library ----------------------------------------------------------

def _update(sku: str, price: str, fingerprint: str = "0" * 64) -> Change:
    return Change("product", sku, "update", "", (FieldChange(("price",), "1", price),),
                  desired={"sku": sku, "price": price}, live_ids={"id": 1},
                  fingerprint=fingerprint)


def _plan(*changes: Change, live_items: int = 10) -> Plan:
    updates = sum(1 for c in changes if c.action == "update")
    return Plan("staging", "sandbox:s", changes, {}, safety=recount(
        Safety((KindSafety("product", live_items, updates, 0, 0.3, 0.3, 10),)), changes))


@given(st.lists(st.sampled_from(["reviewed", "other", "both"]), min_size=1, max_size=12))
def test_only_reviewed_changes_are_applied_and_every_other_one_is_listed(
    origins: list[str],
) -> None:
    reviewed = _plan(*(_update(f"P-{i:02d}", "2") for i, o in enumerate(origins)
                       if o in ("reviewed", "both")))
    fresh = _plan(*(_update(f"P-{i:02d}", "2") for i, o in enumerate(origins)
                    if o in ("other", "both")))
    part = reviewed_part(reviewed, fresh)

    def keys(changes: tuple[Change, ...], origin: str) -> None:
        assert [c.key for c in changes] == [
            f"P-{i:02d}" for i, o in enumerate(origins) if o == origin
        ]

    keys(part.plan.changes, "both")
    keys(part.unreviewed, "other")
    keys(part.settled, "reviewed")


def test_the_changes_left_out_do_not_block_the_reviewed_part() -> None:
    reviewed = _plan(_update("A", "2"))
    fresh = _plan(*(_update(sku, "2") for sku in ("A", "B", "C", "D")))
    assert fresh.safety.blocked
    part = reviewed_part(reviewed, fresh)
    assert not part.plan.safety.blocked
    assert part.plan.safety.kinds[0].updates == 1


def test_every_reviewed_item_that_changed_is_named() -> None:
    reviewed = _plan(_update("A", "2"), _update("B", "2"), _update("C", "2"))
    fresh = _plan(_update("A", "2", fingerprint="1" * 64), _update("B", "3"),
                  _update("C", "2"))
    with pytest.raises(PlanStaleError) as raised:
        reviewed_part(reviewed, fresh)
    assert "2 item(s)" in raised.value.message
    assert "product A was changed in the store since the review" in raised.value.message
    assert "product B: its change differs from the reviewed one (price)" in raised.value.message
