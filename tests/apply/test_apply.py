"""``stagingpro apply`` on the example store: convergence, saved plans, checksums, policy."""

from __future__ import annotations

import json

import pytest

from tests.apply.conftest import Project


@pytest.mark.parametrize(
    ("env", "extra"),
    [
        ("staging", ()),
        ("uat", ()),
        # Protected, with deploy windows: confirmation and a recorded reason are needed.
        ("production", ("--confirm", "production", "--force", "first deploy")),
    ],
)
def test_plan_apply_plan_converges_for_every_environment(
    project: Project, env: str, extra: tuple[str, ...]
) -> None:
    assert project.pending(env) == 2
    code, out, err = project.apply(env, *extra)
    assert code == 0, err
    assert "0 failed, 0 skipped" in out
    assert project.pending(env) == 0
    # A second apply has nothing to do and records nothing.
    code, out, _ = project.apply(env, *extra)
    assert code == 0
    assert "No changes" in out


def test_saved_plan_is_applied_exactly(project: Project) -> None:
    code, _, err = project.cli("plan", "staging", "--out", "plan.json")
    assert code == 0, err
    code, out, err = project.cli("apply", "staging", "--plan", "plan.json")
    assert code == 0, err
    assert "93 applied, 0 failed, 0 skipped" in out
    assert project.pending() == 0


def test_saved_plan_with_a_broken_checksum_is_refused(project: Project) -> None:
    project.cli("plan", "staging", "--out", "plan.json")
    data = json.loads((project.root / "plan.json").read_text())
    data["changes"][0]["desired"]["name"] = "Tampered"
    (project.root / "plan.json").write_text(json.dumps(data))
    code, _, err = project.cli("apply", "staging", "--plan", "plan.json")
    assert code == 1
    assert "checksum does not verify" in err
    assert project.pending() == 2  # nothing was written


def test_saved_plan_is_refused_when_an_item_it_touches_changed_in_the_store(
    project: Project,
) -> None:
    assert project.apply()[0] == 0
    project.edit("catalog/products/trail-gaiters.yaml", "price: 29.00", "price: 31.00")
    project.commit("gaiters up")
    project.cli("plan", "staging", "--out", "plan.json")
    # Someone edits the same product in the control panel after the review.
    product = project.api("GET", "/v3/catalog/products", params={"sku": "ACC-02"})["data"][0]
    project.api("PUT", f"/v3/catalog/products/{product['id']}", json={"price": 45})
    cursor = project.cursor()
    code, _, err = project.cli("apply", "staging", "--plan", "plan.json")
    assert code == 1
    assert "stale" in err and "product ACC-02 was changed in the store" in err
    writes = [r for r in project.requests_since(cursor) if r["method"] != "GET"]
    assert writes == []


def test_saved_plan_for_another_environment_is_refused(project: Project) -> None:
    project.cli("plan", "uat", "--out", "plan.json")
    code, _, err = project.cli("apply", "staging", "--plan", "plan.json")
    assert code == 1
    assert "the plan is for uat" in err


def test_checksum_applies_only_the_reviewed_plan(project: Project) -> None:
    code, out, _ = project.cli("plan", "staging", "--format", "json")
    checksum = json.loads(out)["checksum"]
    project.edit("catalog/brands/brands.yaml", "page_title: Summit Gear |", "page_title: Summit |")
    project.commit("a change after the review")
    code, _, err = project.cli("apply", "staging", "--checksum", checksum)
    assert code == 1
    assert "not the reviewed one" in err
    assert project.pending() == 2
    code, out, _ = project.cli("plan", "staging", "--format", "json")
    code, out, err = project.cli("apply", "staging", "--checksum", json.loads(out)["checksum"])
    assert code == 0, err
    assert project.pending() == 0


def test_protected_environment_needs_confirmation(project: Project) -> None:
    code, _, err = project.apply("production", "--force", "window")
    assert code == 4
    assert "protected" in err and "--confirm production" in err
    code, _, err = project.apply("production", "--confirm", "staging", "--force", "window")
    assert code == 4


def test_apply_asks_and_refuses_without_a_terminal(project: Project) -> None:
    code, _, err = project.cli("apply", "staging")
    assert code == 1
    assert "not a terminal" in err and "--auto-approve" in err


def test_safety_blocked_plan_needs_a_recorded_reason(project: Project) -> None:
    assert project.apply()[0] == 0
    # Reprice every product: far beyond staging's 30% update threshold.
    for path in sorted((project.state / "catalog/products").glob("*.yaml")):
        text = path.read_text()
        path.write_text(text.replace("\nprice: ", "\nprice: 1", 1))
    project.commit("reprice everything")
    code, _, err = project.apply()
    assert code == 4
    assert "safety thresholds" in err and "--force" in err
    code, out, err = project.apply("staging", "--force", "yearly repricing")
    assert code == 0, err
    code, out, _ = project.cli("history", "staging", "--json", sandbox=False)
    assert json.loads(out)[0]["forced_reason"] == "yearly repricing"


def test_prune_owned_deletes_only_the_brands_and_categories_stagingpro_created(
    project: Project,
) -> None:
    project.edit("stagingpro.yaml", 'brands: "off"', "brands: owned")
    project.edit("stagingpro.yaml", "categories: all", "categories: owned")
    brands = "catalog/brands/brands.yaml"
    categories = "catalog/categories/categories.yaml"
    project.edit(brands, "brands:\n", "brands:\n  - name: Short Lived\n")
    project.edit(categories, "categories:\n", "categories:\n  - path: Short Lived\n")
    project.commit("two items to be removed later")
    code, _, err = project.apply()
    assert code == 0, err
    # Made by hand in the control panel: not StagingPro's to delete.
    project.api("POST", "/v3/catalog/brands", json={"name": "Hand Made"})
    project.api("POST", "/v3/catalog/trees/categories", json=[{"name": "Hand Made",
                                                               "tree_id": 1}])
    project.edit(brands, "  - name: Short Lived\n", "")
    project.edit(categories, "  - path: Short Lived\n", "")
    project.commit("remove them")

    code, out, err = project.cli("plan", "staging", "--format", "json")
    assert code == 0, err
    changes = [(c["kind"], c["key"], c["action"]) for c in json.loads(out)["changes"]]
    assert changes == [("category", "Short Lived", "delete"),
                       ("brand", "Short Lived", "delete")]
    assert project.apply()[0] == 0
    assert project.pending() == 0
    names = {b["name"] for b in project.all_pages("/v3/catalog/brands")}
    assert "Hand Made" in names and "Short Lived" not in names
