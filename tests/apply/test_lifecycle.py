"""Lifecycle rules against the store: stock is sent when a product is created, a sale
(through the plain API, as the storefront would) never shows as a change nor makes a
reviewed plan stale, and ignored fields never leave StagingPro."""

from __future__ import annotations

import json
from typing import Any

import httpx

from reconciler.apply.run import ApplyRequest, apply_environment
from reconciler.live.connect import shared_sandbox
from reconciler.sandbox.transport import sandbox_transport
from tests.apply.conftest import Project


def _product(project: Project, sku: str) -> dict[str, Any]:
    found: dict[str, Any] = project.api("GET", "/v3/catalog/products",
                                        params={"sku": sku, "include": "variants"})["data"][0]
    return found


def _sell(project: Project, sku: str, level: int) -> None:
    """What an order does to the stock: the store lowers it by itself."""
    product_id = _product(project, sku)["id"]
    project.api("PUT", f"/v3/catalog/products/{product_id}", json={"inventory_level": level})


def test_a_sale_plans_no_change_and_the_plan_says_stock_is_create_only(
    project: Project,
) -> None:
    assert project.apply()[0] == 0
    assert _product(project, "LAMP-01")["inventory_level"] == 85  # sent on create
    variants = {v["sku"]: v["inventory_level"] for v in _product(project, "JKT-01")["variants"]}
    assert variants["JKT-01-S-BLA"] == 4 and variants["JKT-01-S-OCH"] == 11
    _sell(project, "LAMP-01", 80)

    code, out, err = project.cli("plan", "staging", "--detailed-exitcode")
    assert code == 0, err
    assert "No changes" in out
    assert "LAMP-01 inventory_level: create-only, live 80, declared 85" in out
    code, out, _ = project.cli("plan", "staging", "--format", "json")
    plan = json.loads(out)
    assert plan["lifecycle"]["product"]["create_only"] == [
        "inventory_level", "variants.*.inventory_level"
    ]
    assert plan["left_alone"] == [{"kind": "product", "key": "LAMP-01",
                                   "path": ["inventory_level"], "rule": "create_only",
                                   "live": 80, "declared": 85}]
    assert _product(project, "LAMP-01")["inventory_level"] == 80


def test_a_sale_after_review_leaves_a_saved_plan_and_its_checksum_valid(
    project: Project,
) -> None:
    assert project.apply()[0] == 0
    project.edit("catalog/products/headlamp-400.yaml", "price: 49.00", "price: 52.00")
    project.edit("catalog/products/alpenglow-down-jacket.yaml", "price: 249.00", "price: 259.00")
    project.commit("reprice the headlamp and the jacket")
    assert project.cli("plan", "staging", "--out", "plan.json")[0] == 0
    code, out, _ = project.cli("plan", "staging", "--format", "json")
    checksum = json.loads(out)["checksum"]

    _sell(project, "LAMP-01", 80)
    jacket = _product(project, "JKT-01")
    small = next(v for v in jacket["variants"] if v["sku"] == "JKT-01-S-BLA")
    project.api("PUT", f"/v3/catalog/products/{jacket['id']}/variants/{small['id']}",
                json={"inventory_level": small["inventory_level"] - 1})

    code, out, err = project.cli("plan", "staging", "--format", "json")
    assert json.loads(out)["checksum"] == checksum
    code, out, err = project.cli("apply", "staging", "--plan", "plan.json")
    assert code == 0, err
    lamp = _product(project, "LAMP-01")
    assert (lamp["price"], lamp["inventory_level"]) == (52, 80)  # repriced, not restocked
    after = {v["sku"]: v["inventory_level"] for v in _product(project, "JKT-01")["variants"]}
    assert after["JKT-01-S-BLA"] == small["inventory_level"] - 1


class _Recording(httpx.AsyncBaseTransport):
    """The sandbox, keeping the body of every write sent to it."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.bodies: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "GET":
            self.bodies.append((await request.aread()).decode("utf-8", "replace"))
        return await self.inner.handle_async_request(request)


def test_ignored_fields_are_never_sent_nor_compared(project: Project) -> None:
    project.edit(
        "stagingpro.yaml", "  staging:\n",
        "  staging:\n    lifecycle:\n      product: {ignore: [inventory_warning_level]}\n",
    )
    project.commit("the store's team sets warning levels")
    sent = _Recording(sandbox_transport(shared_sandbox(project.db)))
    outcome = apply_environment(ApplyRequest(project.state, "staging", sandbox_db=project.db,
                                             transport=sent))
    assert outcome.results and all(r.outcome == "applied" for r in outcome.results)
    assert any('"inventory_level"' in body for body in sent.bodies)
    assert not any("inventory_warning_level" in body for body in sent.bodies)
    lamp = _product(project, "LAMP-01")
    assert lamp["inventory_warning_level"] == 0  # declared 10, never sent

    product_id = lamp["id"]
    project.api("PUT", f"/v3/catalog/products/{product_id}", json={"inventory_warning_level": 3})
    code, out, err = project.cli("plan", "staging", "--detailed-exitcode")
    assert code == 0, err
    assert "LAMP-01 inventory_warning_level: ignored, live 3, declared 10" in out
