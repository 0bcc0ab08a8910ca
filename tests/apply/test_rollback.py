"""Rollback: apply A, apply B, roll back to A → the live store is A again; the theme is
re-activated, not uploaded."""

from __future__ import annotations

import json

from tests.apply.conftest import Project, git


def make_b(project: Project) -> None:
    """B: a price change, a new product, and a theme setting (a new theme upload)."""
    project.edit("catalog/products/trail-gaiters.yaml", "price: 29.00", "price: 31.00")
    source = (project.state / "catalog/products/trail-gaiters.yaml").read_text()
    new = source.replace("ACC-02", "ACC-92").replace("Trail Gaiters", "Storm Gaiters")
    (project.state / "catalog/products/storm-gaiters.yaml").write_text(new)
    project.edit("themes/ridgeline/theme.yaml", "homepage_featured_products_count: 8",
                 "homepage_featured_products_count: 12")
    project.commit("B")


def live_theme(project: Project) -> str:
    body = project.api("GET", "/v3/channels/1/active-theme")
    return str(body["data"]["active_theme_uuid"])


def latest(project: Project) -> dict[str, object]:
    _, out, _ = project.cli("history", "staging", "--json", sandbox=False)
    record: dict[str, object] = json.loads(out)[0]
    return record


def test_rollback_to_a_deployment_restores_the_store(project: Project) -> None:
    commit_a = git(project.root, "rev-parse", "HEAD").strip()
    assert project.apply()[0] == 0
    deployment_a = str(latest(project)["id"])
    theme_a = live_theme(project)
    make_b(project)
    assert project.apply()[0] == 0
    assert live_theme(project) != theme_a
    assert project.api("GET", "/v3/catalog/products", params={"sku": "ACC-92"})["data"]

    cursor = project.cursor()
    code, out, err = project.cli("rollback", "staging", "--to", deployment_a, "--apply",
                                 "--all")
    assert code == 0, err
    assert "on branch stagingpro/rollback-staging-" in out and "reverting 1 commit(s)" in out
    assert "re-activated on channel 1" in out
    # The declared state is A's, on a new branch, in one commit naming what it reverts.
    branch = git(project.root, "branch", "--show-current").strip()
    assert branch == f"stagingpro/rollback-staging-{commit_a[:8]}"
    assert git(project.root, "diff", "--stat", commit_a, "HEAD", "--", "store-state") == ""
    message = git(project.root, "log", "-1", "--format=%B")
    assert message.startswith(f"Roll back staging to {commit_a[:12]}") and " B" in message
    # The live store is A's: nothing to plan, the new product gone, A's theme live again
    # without any upload.
    assert project.pending() == 0
    assert project.api("GET", "/v3/catalog/products", params={"sku": "ACC-92"})["data"] == []
    assert live_theme(project) == theme_a
    requests = project.requests_since(cursor)
    assert not [r for r in requests if (r["method"], r["path"]) == ("POST", "/v3/themes")]
    record = latest(project)
    assert record["operation"] == "rollback" and record["origin"] == deployment_a
    # The theme's re-activation is one of the deployment's items.
    _, out, _ = project.cli("history", "show", str(record["id"]), "--json", sandbox=False)
    items = json.loads(out)["items"]
    assert [(i["kind"], i["action"], i["outcome"]) for i in items if i["action"] == "activate"] \
        == [("theme", "activate", "applied")]


def test_rollback_without_apply_only_commits_on_a_branch(project: Project) -> None:
    commit_a = git(project.root, "rev-parse", "HEAD").strip()
    assert project.apply()[0] == 0
    make_b(project)
    assert project.apply()[0] == 0
    cursor = project.cursor()
    code, out, _ = project.cli("rollback", "staging", "--to", commit_a[:10], sandbox=False)
    assert code == 0
    assert "git push -u origin stagingpro/rollback-staging-" in out
    assert project.requests_since(cursor) == []  # the store is left to the pull request
    assert project.pending() == 2  # the branch's state differs from the live B


def test_rollback_in_place_refuses_a_dirty_state(project: Project) -> None:
    commit_a = git(project.root, "rev-parse", "HEAD").strip()
    make_b(project)
    project.edit("catalog/products/trail-gaiters.yaml", "price: 31.00", "price: 33.00")
    code, _, err = project.cli("rollback", "staging", "--to", commit_a, "--in-place",
                               sandbox=False)
    assert code == 1 and "uncommitted changes" in err


def test_rolling_back_one_environment_pins_it_and_later_merges_leave_it_there(
    project: Project,
) -> None:
    commit_a = git(project.root, "rev-parse", "HEAD").strip()
    for environment in ("staging", "uat"):
        assert project.apply(environment)[0] == 0
    deployment_a = str(latest(project)["id"])
    theme_a = live_theme(project)
    make_b(project)
    for environment in ("staging", "uat"):
        assert project.apply(environment)[0] == 0
    config_before = (project.state / "stagingpro.yaml").read_text()

    code, out, err = project.cli("rollback", "staging", "--to", deployment_a, "--apply")
    assert code == 0, err
    assert f"staging pinned to {commit_a[:12]}" in out and "re-activated on channel 1" in out
    # Only staging went back: the store and the theme are A's there, uat keeps B.
    assert project.api("GET", "/v3/catalog/products", params={"sku": "ACC-92"})["data"] == []
    assert live_theme(project) == theme_a
    assert project.api("GET", "/v3/catalog/products", "uat", params={"sku": "ACC-92"})["data"]
    # The pin is one entry in stagingpro.yaml, every comment and line of it kept.
    config_after = (project.state / "stagingpro.yaml").read_text()
    assert f"commit: {commit_a}" in config_after
    kept = [line for line in config_after.splitlines() if "pinned:" not in line
            and "commit:" not in line and "reason:" not in line]
    assert kept == config_before.splitlines()
    # The next, unrelated change: uat takes it, staging stays where it was rolled back to.
    project.edit("catalog/products/trail-gaiters.yaml", "price: 31.00", "price: 34.00")
    project.commit("gaiters repriced")
    assert project.pending("staging") == 0 and project.apply("staging")[0] == 0
    assert project.pending("uat") == 2 and project.apply("uat")[0] == 0
    gaiters = project.api("GET", "/v3/catalog/products", "uat", params={"sku": "ACC-02"})
    staging_gaiters = project.api("GET", "/v3/catalog/products", params={"sku": "ACC-02"})
    assert float(gaiters["data"][0]["price"]) == 34.0  # B's 31.00, then the new change
    assert float(staging_gaiters["data"][0]["price"]) == 29.0  # A's, as rolled back
    # Released, staging follows the branch again: B's product and the new price.
    code, out, err = project.cli("rollback", "staging", "--release", "--in-place",
                                 sandbox=False)
    assert code == 0 and "Released staging" in out, err
    assert project.pending("staging") == 2
