"""Helpers shared by the catalogue tests: create products through the API."""

from __future__ import annotations

from typing import Any

from tests.sandbox.conftest import StoreClient

PRODUCTS = "/v3/catalog/products"


def product_body(name: str, **extra: Any) -> dict[str, Any]:
    """The smallest valid product payload, plus ``extra`` fields."""
    return {"name": name, "type": "physical", "weight": 1, "price": 10, **extra}


def new_product(store: StoreClient, name: str, **extra: Any) -> dict[str, Any]:
    """Create a product (failing the test on any error) and return its ``data``."""
    return store.create(PRODUCTS, product_body(name, **extra))


def sized(sku: str, *sizes: str) -> list[dict[str, Any]]:
    """Embedded variants ``{sku}-{size}`` of one ``Size`` option."""
    return [
        {"sku": f"{sku}-{s}", "option_values": [{"option_display_name": "Size", "label": s}]}
        for s in sizes
    ]
