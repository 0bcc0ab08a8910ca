"""A deterministic, realistic catalogue for sandbox stores (``stagingpro sandbox seed``).

Generation is pure: product ``i`` of seed ``s`` (:func:`product_seed`) is the same payload
every time, whatever else is generated; :func:`iter_products` streams a range of them and
:func:`generate_catalogue` collects one with its brands and category tree. Products are
outdoor gear in a three-level category tree (department → category → sub-category), each
with a brand, 1–3 images by URL, custom fields, and mostly size × colour variants (which
create the Size and Colour options, as BigCommerce does for ``option_values`` given by
display name); some carry bulk pricing rules.

:func:`seed_store` writes it through the sandbox's own API in process (``POST
/v3/catalog/brands``, ``POST /v3/catalog/trees/categories``, one ``POST
/v3/catalog/products`` per product, brands created on first use), so seeded products are
exactly what the API creates and every request goes through the same pipeline as a
client's (it waits out 429s). It fills a store further on each run: product numbering
starts after the products already there, and existing brands and categories of the same
name are reused.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from reconciler.errors import ApiDetail, ApiError, ConfigError
from reconciler.sandbox.app import SandboxApp
from reconciler.sandbox.storage import SandboxDB
from reconciler.sandbox.stores import DEFAULT_TOKEN, create_store
from reconciler.sandbox.transport import SANDBOX_BASE_URL, SandboxTransport

MAX_PRODUCTS = 100_000

_BRAND_FIRST = (
    "Ridge", "Summit", "Alpine", "Cedar", "Granite", "Northwind", "Timberline", "Riverbend",
    "Canyon", "Glacier", "Pinecrest", "Stormfront", "Basalt", "Aspen", "Harbor", "Mesa",
)  # fmt: skip
_BRAND_SECOND = (
    "Outfitters", "Gear", "Works", "Supply", "Co", "Labs", "Trading", "Mountain",
    "Equipment", "Apparel",
)  # fmt: skip

# department -> category -> sub-categories; products go into leaves.
_TREE: dict[str, dict[str, tuple[str, ...]]] = {
    "Footwear": {
        "Trail Running": ("Cushioned", "Lightweight"),
        "Hiking Boots": ("Waterproof", "Leather"),
        "Sandals": (),
    },
    "Apparel": {
        "Jackets": ("Rain", "Insulated", "Softshell"),
        "Base Layers": (),
        "Pants": ("Hiking", "Climbing"),
        "Shirts": (),
    },
    "Camping": {"Tents": ("Backpacking", "Family"), "Sleeping Bags": (), "Cookware": ()},
    "Climbing": {"Harnesses": (), "Ropes": (), "Chalk Bags": ()},
    "Accessories": {"Hats": (), "Gloves": (), "Socks": (), "Bottles": ()},
}
_NOUNS = {
    "Footwear": ("Trail Runner", "Hiker", "Approach Shoe", "Boot", "Sandal", "Mid"),
    "Apparel": ("Jacket", "Shell", "Hoodie", "Tee", "Pant", "Crew", "Vest"),
    "Camping": ("Tent", "Shelter", "Sleeping Bag", "Quilt", "Stove", "Pot Set"),
    "Climbing": ("Harness", "Rope", "Chalk Bag", "Belay Kit"),
    "Accessories": ("Cap", "Beanie", "Glove", "Sock", "Bottle", "Gaiter"),
}
_ADJECTIVES = (
    "Alpine", "Trail", "Storm", "Ridge", "Summit", "Canyon", "Ember", "Glacier", "Swift",
    "Nomad", "Highline", "Backcountry", "Ultralight", "Everyday", "Expedition",
)  # fmt: skip
_SIZES = {
    "Footwear": ("7", "8", "9", "10", "11", "12"),
    "Apparel": ("XS", "S", "M", "L", "XL"),
    "Climbing": ("S", "M", "L"),
    "Accessories": ("S/M", "L/XL"),
}
_COLOURS = ("Black", "Slate", "Forest", "Ember", "Glacier Blue", "Sand", "Plum")
_MATERIALS = ("Recycled nylon", "Merino wool", "Gore-Tex", "Organic cotton", "Polyester")
_SEASONS = ("Spring/Summer", "Autumn/Winter", "All season")


@dataclass(frozen=True)
class CategoryNode:
    """A category to create: its name path from the department down."""

    path: tuple[str, ...]

    @property
    def name(self) -> str:
        return self.path[-1]

    @property
    def parent(self) -> tuple[str, ...]:
        return self.path[:-1]


@dataclass(frozen=True)
class ProductSeed:
    """One product to create: the ``POST /v3/catalog/products`` body without ids, plus the
    brand name and category path it refers to (resolved to ids when written)."""

    payload: dict[str, Any]
    brand: str
    category: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    brands: list[str]
    categories: list[CategoryNode]
    """Parents before children."""
    products: list[ProductSeed]


@dataclass
class SeedReport:
    """What :func:`seed_store` created."""

    store_hash: str
    products: int = 0
    variants: int = 0
    brands: int = 0
    categories: int = 0
    requests: int = 0
    seconds: float = 0.0
    first_sku: str = ""
    last_sku: str = ""


def category_nodes() -> list[CategoryNode]:
    nodes: list[CategoryNode] = []
    for department, categories in _TREE.items():
        nodes.append(CategoryNode((department,)))
        for category, subs in categories.items():
            nodes.append(CategoryNode((department, category)))
            nodes.extend(CategoryNode((department, category, sub)) for sub in subs)
    return nodes


def _leaves() -> tuple[tuple[str, ...], ...]:
    leaves: list[tuple[str, ...]] = []
    for department, categories in _TREE.items():
        for category, subs in categories.items():
            leaves.extend([(department, category, s) for s in subs] or [(department, category)])
    return tuple(leaves)


_LEAVES = _leaves()


_BRANDS = tuple(f"{a} {b}" for b in _BRAND_SECOND for a in _BRAND_FIRST)


def product_seed(seed: int, index: int) -> ProductSeed:
    """Product number ``index`` of the catalogue for ``seed``: the same whatever else is made.

    Its SKU is ``SP{seed}-{index:06d}``. Brands come from a pool that grows with the index
    (8 brands for the first 2,000 products, one more every 250 after that, 160 at most), so
    small catalogues have few brands and large ones many.
    """
    rng = random.Random(f"{seed}:{index}")
    brands = _BRANDS[: min(len(_BRANDS), 8 + max(0, index - 2000) // 250)]
    return _product(rng, seed, index, brands, _LEAVES)


def check_count(count: int) -> None:
    """A product count the generator accepts, or :class:`ConfigError`."""
    if not 0 <= count <= MAX_PRODUCTS:
        raise ConfigError(f"--products must be between 0 and {MAX_PRODUCTS}, got {count}")


def iter_products(count: int, seed: int = 0, start: int = 0) -> Iterator[ProductSeed]:
    """Products ``start`` to ``start + count - 1``, made one at a time as they are consumed
    (so 100,000 need no more memory than one)."""
    check_count(count)
    return (product_seed(seed, index) for index in range(start, start + count))


def generate_catalogue(count: int, seed: int = 0, start: int = 0) -> Catalogue:
    """The whole catalogue of ``count`` products numbered from ``start``, in memory.

    The same arguments give the same catalogue; ``brands`` are those the products use, in
    order of first use.
    """
    products = list(iter_products(count, seed, start))
    brands = list(dict.fromkeys(p.brand for p in products))
    return Catalogue(brands, category_nodes(), products)


def _product(
    rng: random.Random,
    seed: int,
    index: int,
    brands: tuple[str, ...],
    leaves: tuple[tuple[str, ...], ...],
) -> ProductSeed:
    # Each product draws from its own generator, so product i is the same whatever the count.
    leaf = rng.choice(leaves)
    department = leaf[0]
    brand = rng.choice(brands)
    noun = rng.choice(_NOUNS[department])
    sku = f"SP{seed}-{index:06d}"
    name = f"{brand} {rng.choice(_ADJECTIVES)} {noun} {index + 1}"
    price = rng.randrange(12, 480) + 0.99
    payload: dict[str, Any] = {
        "name": name,
        "type": "physical",
        "sku": sku,
        "description": f"<p>The {name}: built by {brand} for {leaf[-1].lower()} outings.</p>",
        "weight": round(rng.uniform(0.1, 6.0), 2),
        "width": rng.randrange(5, 60),
        "height": rng.randrange(2, 40),
        "depth": rng.randrange(2, 40),
        "price": price,
        "retail_price": round(price * 1.25, 2),
        "cost_price": round(price * 0.45, 2),
        "is_visible": rng.random() > 0.05,
        "is_featured": rng.random() < 0.1,
        "search_keywords": ", ".join(sorted({noun.lower(), department.lower(), leaf[-1].lower()})),
        "custom_fields": [
            {"name": "Material", "value": rng.choice(_MATERIALS)},
            {"name": "Season", "value": rng.choice(_SEASONS)},
        ],
        "images": [
            {
                "image_url": f"https://cdn.example.com/stagingpro/{sku.lower()}-{k + 1}.jpg",
                "is_thumbnail": k == 0,
                "sort_order": k,
                "description": f"{name}, view {k + 1}",
            }
            for k in range(rng.randint(1, 3))
        ],
    }
    sizes = _SIZES.get(department)
    if sizes and rng.random() < 0.9:
        chosen_sizes = sorted(rng.sample(sizes, rng.randint(min(2, len(sizes)), len(sizes))),
                              key=sizes.index)  # fmt: skip
        colours = rng.sample(_COLOURS, rng.randint(1, 3))
        payload["inventory_tracking"] = "variant"
        payload["variants"] = [
            {
                "sku": f"{sku}-{size.replace('/', '')}-{colour.replace(' ', '').upper()[:4]}",
                "option_values": [
                    {"option_display_name": "Size", "label": size},
                    {"option_display_name": "Colour", "label": colour},
                ],
                "inventory_level": rng.randrange(0, 120),
            }
            for colour in colours
            for size in chosen_sizes
        ]
    else:
        payload["inventory_tracking"] = "product"
        payload["inventory_level"] = rng.randrange(0, 500)
    if rng.random() < 0.3:
        payload["bulk_pricing_rules"] = [
            {"quantity_min": 5, "quantity_max": 9, "type": "percent", "amount": 5},
            {"quantity_min": 10, "quantity_max": 0, "type": "percent", "amount": 10},
        ]
    return ProductSeed(payload, brand, leaf)


class _Api:
    """Requests to one store through the in-process transport, waiting out 429s."""

    def __init__(self, client: httpx.AsyncClient, store_hash: str, report: SeedReport) -> None:
        self.client = client
        self.prefix = f"/stores/{store_hash}"
        self.report = report

    async def call(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        while True:
            self.report.requests += 1
            response = await self.client.request(
                method, self.prefix + path, json=body, params=params or None
            )
            if response.status_code == 429:
                reset_ms = int(response.headers.get("X-Rate-Limit-Time-Reset-Ms", "1000"))
                await asyncio.sleep(max(reset_ms, 1) / 1000)
                continue
            if response.status_code >= 400:
                raise ApiError(
                    f"seeding failed: {method} {path} answered {response.status_code}: "
                    f"{response.text[:500]}",
                    hint="seed into a fresh store (stagingpro sandbox reset STORE) "
                    "or check the store's injected faults",
                    detail=ApiDetail(method, path, response.status_code),
                )
            return response.json() if response.content else None

    async def pages(self, path: str) -> list[dict[str, Any]]:
        """Every item of a V3 list, 250 a page."""
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            body = await self.call("GET", path, page=page, limit=250)
            items.extend(body["data"])
            if page >= body["meta"]["pagination"]["total_pages"]:
                return items
            page += 1


async def seed_store(
    app: SandboxApp, store_hash: str, products: int, *, seed: int = 0
) -> SeedReport:
    """Create ``products`` generated products (and their brands and categories) in the store
    through the app's API, in process. The store must exist."""
    started = time.perf_counter()
    report = SeedReport(store_hash)
    async with httpx.AsyncClient(
        transport=SandboxTransport(app),
        base_url=SANDBOX_BASE_URL,
        headers={"X-Auth-Token": DEFAULT_TOKEN, "Accept": "application/json"},
        timeout=None,
    ) as client:
        api = _Api(client, store_hash, report)
        total = (await api.call("GET", "/v3/catalog/products", limit=1))["meta"]["pagination"]
        brand_ids = {b["name"]: int(b["id"]) for b in await api.pages("/v3/catalog/brands")}
        category_ids = await _ensure_categories(api, category_nodes(), report)
        for item in iter_products(products, seed, start=int(total["total"])):
            if item.brand not in brand_ids:  # brands are created on first use
                created = await api.call("POST", "/v3/catalog/brands", {"name": item.brand})
                brand_ids[item.brand] = int(created["data"]["id"])
                report.brands += 1
            payload = dict(item.payload)
            payload["brand_id"] = brand_ids[item.brand]
            payload["categories"] = [category_ids[item.category]]
            await api.call("POST", "/v3/catalog/products", payload)
            report.products += 1
            report.variants += len(payload.get("variants", ()))
            report.first_sku = report.first_sku or payload["sku"]
            report.last_sku = payload["sku"]
    report.seconds = time.perf_counter() - started
    return report


async def _ensure_categories(
    api: _Api, nodes: list[CategoryNode], report: SeedReport
) -> dict[tuple[str, ...], int]:
    trees = (await api.call("GET", "/v3/catalog/trees"))["data"]
    tree_id = next((t["id"] for t in trees if 1 in t.get("channels", [])), None)
    if tree_id is None:
        raise ConfigError(f"store {api.prefix}: no category tree for channel 1")
    existing = await api.pages("/v3/catalog/trees/categories")
    by_id = {c["category_id"]: c for c in existing if c.get("tree_id") == tree_id}

    def path_of(category: dict[str, Any]) -> tuple[str, ...]:
        parent = by_id.get(category["parent_id"])
        return (*path_of(parent), category["name"]) if parent else (category["name"],)

    ids = {path_of(c): int(c["category_id"]) for c in by_id.values()}
    for depth in (1, 2, 3):
        level = [n for n in nodes if len(n.path) == depth and n.path not in ids]
        if not level:
            continue
        batch = [
            {"name": n.name, "tree_id": tree_id, "parent_id": ids[n.parent] if n.parent else 0}
            for n in level
        ]
        created = (await api.call("POST", "/v3/catalog/trees/categories", batch))["data"]
        for node, item in zip(level, created, strict=True):
            ids[node.path] = int(item["category_id"])
        report.categories += len(level)
    return ids


def seed_database(
    db_path: Path | str, store_hash: str, products: int, *, seed: int = 0
) -> SeedReport:
    """:func:`seed_store` on the sandbox file at ``db_path``, creating the store if missing."""
    check_count(products)
    db = SandboxDB(db_path)
    try:
        create_store(db, store_hash)
        return asyncio.run(seed_store(SandboxApp(db), store_hash, products, seed=seed))
    finally:
        db.close()


def catalogue_json(catalogue: Catalogue) -> str:
    """The catalogue as canonical JSON (for comparing two generations)."""
    return json.dumps(
        {
            "brands": catalogue.brands,
            "categories": [list(n.path) for n in catalogue.categories],
            "products": [
                {"payload": p.payload, "brand": p.brand, "category": list(p.category)}
                for p in catalogue.products
            ],
        },
        sort_keys=True,
    )
