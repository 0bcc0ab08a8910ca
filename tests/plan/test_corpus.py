"""A corpus of real-world edge cases (``tests/corpus/store-state/``) round-trips exactly.

Unicode and emoji names, composed and decomposed accent twins, leading and trailing
spaces, names at their length limits, 100 KB descriptions and page bodies with scripts,
``<pre>``, comments, tabs, CRLF and no-break spaces, an 8-level category chain in eight
scripts, zero and four-decimal prices, a product with 120 variants.

Validated, planned and applied to an empty embedded store with the CLI, the corpus then
plans to no changes; and — independently of the planner's comparison — every declared
value is read back from the store with plain HTTP GETs (BigCommerce's own API, not our
adapters) and must equal the declared value byte for byte. Numbers are JSON numbers on
the wire and compare by value (``12.3450`` is sent and stored as 12.345). The one value
BigCommerce rewrites on save, a price record's currency (``USD`` → ``usd``), is checked
as that rewrite.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from reconciler.cli.app import main
from reconciler.errors import EXIT_CHANGES, EXIT_OK
from reconciler.live.connect import shared_sandbox
from reconciler.sandbox.stores import DEFAULT_TOKEN
from reconciler.sandbox.transport import SANDBOX_BASE_URL, sandbox_transport

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "store-state"
STORE = "corpus"


class Store:
    """Plain HTTP GETs against the embedded store (BigCommerce's API, not our client)."""

    def __init__(self, db: Path) -> None:
        self.db = db

    def get(self, path: str, **params: Any) -> Any:
        async def call() -> httpx.Response:
            async with httpx.AsyncClient(
                transport=sandbox_transport(shared_sandbox(self.db)),
                base_url=f"{SANDBOX_BASE_URL}/stores/{STORE}",
                headers={"X-Auth-Token": DEFAULT_TOKEN},
            ) as http:
                return await http.get(path, params=params)

        response = asyncio.run(call())
        assert response.status_code == 200, response.text
        return response.json()

    def all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        page = 1
        while True:
            body = self.get(path, **params, limit=250, page=page)
            found.extend(body["data"])
            if page >= int(body["meta"]["pagination"]["total_pages"]):
                return found
            page += 1


def declared(relative: str) -> Any:
    return yaml.safe_load((CORPUS / relative).read_text(encoding="utf-8"))


def same_number(live: Any, written: Any) -> bool:
    return Decimal(str(live)) == Decimal(str(written))


def cli(*args: str, root: Path, db: Path) -> int:
    return main([*args, "--state", str(root), "--sandbox-db", str(db)])


@pytest.fixture(scope="module")
def applied(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path, Store]]:
    """The corpus applied once to an empty store: (state root, database, the store)."""
    base = tmp_path_factory.mktemp("corpus")
    root, db = base / "store-state", base / "sandbox.db"
    shutil.copytree(CORPUS, root)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(base)
        patch.setenv("STAGINGPRO_ACTOR", "tester")
        assert main(["validate", "--state", str(root)]) == EXIT_OK
        assert cli("plan", STORE, "--detailed-exitcode", root=root, db=db) == EXIT_CHANGES
        assert cli("apply", STORE, "--auto-approve", root=root, db=db) == EXIT_OK
        yield root, db, Store(db)


def test_the_applied_corpus_plans_no_changes(
    applied: tuple[Path, Path, Store], monkeypatch: pytest.MonkeyPatch
) -> None:
    root, db, _ = applied
    monkeypatch.chdir(root.parent)
    assert cli("plan", STORE, "--detailed-exitcode", root=root, db=db) == EXIT_OK


def _exact(live: Mapping[str, Any], wanted: Mapping[str, Any], names: tuple[str, ...]) -> None:
    for name in names:
        if name in wanted:
            assert live[name] == wanted[name], (name, live[name], wanted[name])


PRODUCT_TEXT = ("name", "description", "search_keywords", "page_title", "mpn", "sku")
PRODUCT_NUMBERS = ("price", "weight")


def test_products_read_back_byte_for_byte(applied: tuple[Path, Path, Store]) -> None:
    _, _, store = applied
    live = {p["sku"]: p for p in store.all(
        "/v3/catalog/products", include="variants,custom_fields")}
    brands = {b["id"]: b["name"] for b in store.all("/v3/catalog/brands")}
    files = sorted((CORPUS / "catalog/products").glob("*.yaml"))
    assert len(files) == 7
    for file in files:
        wanted = yaml.safe_load(file.read_text(encoding="utf-8"))
        product = live[wanted["sku"]]
        _exact(product, wanted, PRODUCT_TEXT)
        for name in PRODUCT_NUMBERS:
            assert same_number(product[name], wanted[name]), (wanted["sku"], name)
        if "brand" in wanted:
            assert brands[product["brand_id"]] == wanted["brand"]
        assert [(f["name"], f["value"]) for f in product["custom_fields"]] == [
            (f["name"], f["value"]) for f in wanted.get("custom_fields", [])
        ]
        variants = {v["sku"]: v for v in product["variants"] if v["option_values"]}
        assert sorted(variants) == sorted(v["sku"] for v in wanted.get("variants", []))
        for variant in wanted.get("variants", []):
            got = variants[variant["sku"]]
            assert same_number(got["price"], variant["price"])
            assert {v["option_display_name"]: v["label"] for v in got["option_values"]} == (
                variant["option_values"]
            )


def test_a_product_with_120_variants_keeps_every_option_value(
    applied: tuple[Path, Path, Store],
) -> None:
    _, _, store = applied
    wanted = declared("catalog/products/grid.yaml")
    (product,) = store.get("/v3/catalog/products", sku=wanted["sku"])["data"]
    options = store.get(f"/v3/catalog/products/{product['id']}/options")["data"]
    assert [(o["display_name"], o["type"], [v["label"] for v in o["option_values"]])
            for o in options] == [
        (o["display_name"], o["type"], [v["label"] for v in o["values"]])
        for o in wanted["options"]
    ]
    assert len(wanted["variants"]) == 120


def test_accent_twins_stay_distinct_and_byte_exact(applied: tuple[Path, Path, Store]) -> None:
    _, _, store = applied
    nfc, nfd = declared("catalog/products/nfc.yaml"), declared("catalog/products/nfd.yaml")
    assert nfc["name"] != nfd["name"]  # the same text, composed and decomposed
    names = {p["name"] for p in store.all("/v3/catalog/products")}
    assert {nfc["name"], nfd["name"]} <= names
    brand_names = [b["name"] for b in store.all("/v3/catalog/brands")]
    assert sorted(brand_names) == sorted(b["name"] for b in declared(
        "catalog/brands/brands.yaml")["brands"])


def test_categories_read_back_with_their_chain(applied: tuple[Path, Path, Store]) -> None:
    _, _, store = applied
    live = store.all("/v3/catalog/trees/categories")
    by_id = {c["category_id"]: c for c in live}

    def path_of(category: Mapping[str, Any]) -> str:
        # Written as the YAML writes paths: a "/" inside a name as "\/" (README).
        names = [category["name"]]
        while category["parent_id"]:
            category = by_id[category["parent_id"]]
            names.append(category["name"])
        return "/".join(n.replace("\\", "\\\\").replace("/", "\\/") for n in reversed(names))

    by_path = {path_of(c): c for c in live}
    wanted = declared("catalog/categories/categories.yaml")["categories"]
    assert sorted(by_path) == sorted(c["path"] for c in wanted)
    assert max(c["path"].count("/") for c in wanted) == 7  # eight levels
    assert any(c["name"] == "Tents/Tarps?" for c in live)  # one name holding a "/"
    for category in wanted:
        _exact(by_path[category["path"]], category, ("description",))


def test_pages_and_scripts_read_back_byte_for_byte(applied: tuple[Path, Path, Store]) -> None:
    _, _, store = applied
    pages = {p["url"]: p for p in store.all("/v3/content/pages", include="body")}
    for page in declared("content/pages/pages.yaml")["pages"]:
        _exact(pages[page["url"]], page, ("name", "type", "body"))
    assert len(pages["/big/"]["body"].encode()) >= 100 * 1024
    scripts = {s["name"]: s for s in store.all("/v3/content/scripts")}
    for script in declared("content/scripts/scripts.yaml")["scripts"]:
        _exact(scripts[script["name"]], script, ("name", "html", "kind", "location"))


def test_price_records_read_back_with_the_stores_currency_rewrite(
    applied: tuple[Path, Path, Store],
) -> None:
    _, _, store = applied
    wanted = declared("catalog/price-lists/corpus.yaml")
    (price_list,) = [p for p in store.all("/v3/pricelists") if p["name"] == wanted["name"]]
    records = {r["sku"]: r for r in store.all(
        f"/v3/pricelists/{price_list['id']}/records", include="sku")}
    for record in wanted["records"]:
        got = records[record["sku"]]
        assert got["currency"] == record["currency"].lower()  # BigCommerce's own rewrite
        for name in ("price", "retail_price"):
            if name in record:
                assert same_number(got.get(name) or 0, record[name])
