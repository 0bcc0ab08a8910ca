"""Per-item results: a refused SKU fails alone with BigCommerce's message, exit 3, retry;
a failed dependency skips what depends on it; batching as the request log counts it."""

from __future__ import annotations

import json
import math
from pathlib import Path

from tests.apply.conftest import Project

REFUSAL = {
    "status": 422,
    "title": "The product price is not valid for this store's price rules.",
    "type": "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes",
    "errors": {"price": "price must not exceed the retail price"},
}


def product_files(project: Project) -> list[Path]:
    return sorted((project.state / "catalog/products").glob("*.yaml"))


def sku_of(path: Path) -> str:
    for line in path.read_text().splitlines():
        if line.startswith("sku: "):
            return line.removeprefix("sku: ").strip()
    raise AssertionError(f"no sku in {path}")


def reprice(path: Path) -> None:
    lines = path.read_text().splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith("price: "):
            lines[index] = "price: 1" + line.removeprefix("price: ")
            break
    path.write_text("".join(lines))


def test_a_refused_sku_fails_alone_and_retry_applies_it_once_fixed(project: Project) -> None:
    files = product_files(project)
    bad = sku_of(files[2])
    project.script_failure(
        {"status": 422, "method": "POST", "path": "/v3/catalog/products", "sku": bad,
         "body": REFUSAL}
    )
    code, out, err = project.apply()
    assert code == 3
    assert "92 applied, 1 failed, 0 skipped" in out
    assert bad in err and "422" in err
    assert "price must not exceed the retail price" in err
    assert "stagingpro retry staging staging-" in err
    # Only the refused SKU is left to do.
    code, out, _ = project.cli("plan", "staging", "--format", "json")
    pending = [(c["kind"], c["key"]) for c in json.loads(out)["changes"]]
    assert pending == [("product", bad)]
    # The history keeps BigCommerce's answer.
    _, out, _ = project.cli("history", "staging", "--json", sandbox=False)
    latest = json.loads(out)[0]
    _, out, _ = project.cli("history", "show", latest["id"], "--json", sandbox=False)
    failed = [i for i in json.loads(out)["items"] if i["outcome"] == "failed"]
    assert [(i["key"], i["status"]) for i in failed] == [(bad, 422)]
    assert failed[0]["errors"] == REFUSAL["errors"]
    # The merchandiser fixes the YAML (and the store stops refusing it); retry the rest.
    project.clear_failures()
    reprice(files[2])
    project.commit("fix the price")
    cursor = project.cursor()
    code, out, err = project.cli("retry", "staging", "--auto-approve")
    assert code == 0, err
    assert "1 applied, 0 failed, 0 skipped" in out
    posts = [r for r in project.requests_since(cursor)
             if (r["method"], r["path"]) == ("POST", "/v3/catalog/products")]
    assert len(posts) == 1
    assert project.pending() == 0
    _, out, _ = project.cli("history", "staging", "--json", sandbox=False)
    assert json.loads(out)[0]["operation"] == "retry"
    assert json.loads(out)[0]["origin"] == latest["id"]


def test_history_keeps_the_values_an_update_replaced(project: Project) -> None:
    assert project.apply()[0] == 0
    path = product_files(project)[0]
    before = next(line for line in path.read_text().splitlines() if line.startswith("price: "))
    reprice(path)
    project.commit("reprice one")
    assert project.apply()[0] == 0
    _, out, _ = project.cli("history", "staging", "--json", sandbox=False)
    _, out, _ = project.cli("history", "show", json.loads(out)[0]["id"], "--json",
                            sandbox=False)
    (item,) = json.loads(out)["items"]
    assert item["key"] == sku_of(path) and item["action"] == "update"
    assert item["before"] == [[["price"], str(float(before.removeprefix("price: "))).rstrip(
        "0").rstrip(".")]]


def test_products_of_a_brand_that_failed_are_skipped_not_attempted(project: Project) -> None:
    project.script_failure(
        {"status": 422, "method": "POST", "path": "/v3/catalog/brands",
         "body": {"status": 422, "title": "Brand refused", "errors": {"name": "no"}}}
    )
    cursor = project.cursor()
    code, out, err = project.apply()
    assert code == 3
    # Six brands failed; 39 products refer to one and are skipped; the gift card (no
    # brand) and every other kind went ahead.
    assert "brand          │ create │       0 │      6 │       0" in out
    assert "product        │ create │       1 │      0 │      39" in out
    assert "whose change failed" in err
    product_posts = [
        r for r in project.requests_since(cursor)
        if r["method"] == "POST" and r["path"] == "/v3/catalog/products"
    ]
    assert len(product_posts) == 1
    project.clear_failures()
    code, out, err = project.cli("retry", "staging", "--auto-approve")
    assert code == 0, err
    assert project.pending() == 0


def test_updating_k_prices_costs_ceil_k_over_10_writes(project: Project) -> None:
    assert project.apply()[0] == 0
    # TRAIL-01's price is patched by the staging overlay: the YAML base price is not used.
    files = [f for f in product_files(project) if sku_of(f) != "TRAIL-01"]
    start = 0
    for k in (1, 10, 11, 12):
        for path in files[start:start + k]:
            reprice(path)
        start += k
        project.commit(f"reprice {k}")
        cursor = project.cursor()
        code, out, err = project.apply()
        assert code == 0, err
        assert f"{k} applied" in out, out
        writes = [r for r in project.requests_since(cursor) if r["method"] != "GET"]
        assert [(w["method"], w["path"]) for w in writes] == [
            ("PUT", "/v3/catalog/products")
        ] * math.ceil(k / 10), k
    assert project.pending() == 0
