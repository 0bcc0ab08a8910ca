"""Resuming an interrupted deployment: its planned work is not held against the safety
thresholds (new work still is), and what it created without a marker gets one.

An apply killed after its first record leaves exactly that record behind (see
test_history.py's SIGKILL test); these tests write such a record through the history's
public interface, so the interruption lands at a known point. The SIGKILL trials in
test_faults.py kill real processes at random moments."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

from reconciler.apply.deployment import Deployment, PlannedItem
from reconciler.apply.gitrepo import open_repository
from reconciler.apply.history import history_for
from tests.apply.conftest import Project


def interrupted(project: Project, planned: list[PlannedItem], env: str = "staging") -> None:
    """Record what an apply killed right after its first record leaves behind."""
    history = history_for(project.state, open_repository(project.state))
    stamp = datetime.now(UTC).isoformat(timespec="microseconds")
    history.record(Deployment(
        id=f"{env}-killed-{stamp}", environment=env, store=f"sandbox:{env}", commit=None,
        author="tester", where="runner:1", started_at=stamp, finished_at="",
        status="unfinished", planned=tuple(planned),
    ))


def planned_changes(project: Project, env: str = "staging") -> list[PlannedItem]:
    _, out, _ = project.cli("plan", env, "--format", "json")
    return [(c["kind"], c["key"], c["action"]) for c in json.loads(out)["changes"]]


def reprice_every_product(project: Project) -> None:
    for path in (project.state / "catalog/products").glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(re.sub(r"^price: .*$", "price: 1234.50", text, count=1, flags=re.M),
                        encoding="utf-8")
    project.commit("reprice everything")


def test_resumed_work_is_not_held_against_the_thresholds_but_new_work_is(
    project: Project,
) -> None:
    assert project.apply()[0] == 0
    reprice_every_product(project)
    changes = planned_changes(project)
    count = len(changes)
    assert count > 30
    code, _, err = project.apply()
    assert code == 4 and f"would update {count} of 40 products" in err

    # The interrupted apply planned only 5 of the updates: the others are new work.
    interrupted(project, changes[:5])
    code, _, err = project.apply()
    assert code == 4 and f"would update {count - 5} of 40 products" in err

    # It planned them all: applying again finishes its work, without --force.
    interrupted(project, changes)
    code, out, err = project.apply()
    assert code == 0, out + err
    assert "resuming the unsettled work of staging-killed-" in out
    assert project.pending() == 0


def test_a_product_created_without_its_marker_is_marked_when_resumed(project: Project) -> None:
    """Killed between a product's POST and its ownership marker's: applying again marks
    it, so prune mode 'owned' can delete it later."""
    project.ensure_store()
    created = project.api("POST", "/v3/catalog/products", json={
        "name": "Chalk Bag", "sku": "CLMB-02", "type": "physical", "weight": 0.2,
        "price": 1,
    })["data"]
    interrupted(project, [("product", "CLMB-02", "create"), *planned_changes(project)])
    code, out, err = project.apply()
    assert code == 0, out + err
    assert "marked 1 products an interrupted apply created" in out
    marker = project.api("GET", f"/v3/catalog/products/{created['id']}/metafields",
                         params={"namespace": "stagingpro", "key": "managed"})["data"]
    assert [m["value"] for m in marker] == ["stagingpro"]
    assert project.pending() == 0
    # Settled: the next apply has nothing to resume or mark.
    _, out, _ = project.apply()
    assert "marked" not in out
