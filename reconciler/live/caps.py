"""BigCommerce's per-endpoint caps on concurrent requests.

A few endpoints refuse with 429 when more than N requests to them from one store are in
flight, whatever the quota says. The client keeps one semaphore per capped endpoint so
it never trips these. Caps as stated in the OpenAPI descriptions (operation
descriptions: "Limit of N concurrent requests", "Up to N concurrent batch ...
requests") and DIGEST §3; caps above 10 are left out, since they exceed any sensible
client concurrency.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class EndpointCap:
    method: str
    pattern: re.Pattern[str]
    limit: int
    source: str
    """The spec file stating it."""

    @property
    def key(self) -> str:
        return f"{self.method} {self.pattern.pattern}"


def _cap(method: str, path: str, limit: int, source: str) -> EndpointCap:
    regex = "^" + re.sub(r"\\\{[a-z_]+\\\}", r"[^/]+", re.escape(path)) + "$"
    return EndpointCap(method, re.compile(regex), limit, source)


ENDPOINT_CAPS: tuple[EndpointCap, ...] = (
    _cap("GET", "/v3/catalog/trees/{tree_id}/categories", 1, "category-trees_catalog.v3.yml"),
    _cap("PUT", "/v3/customers", 3, "customers.v3.yml"),
    _cap("POST", "/v3/customers/addresses", 10, "customers.v3.yml"),
    _cap("PUT", "/v3/customers/addresses", 3, "customers.v3.yml"),
    _cap("POST", "/v3/customers/attributes", 3, "customers.v3.yml"),
    _cap("PUT", "/v3/customers/attributes", 3, "customers.v3.yml"),
    _cap("PUT", "/v3/customers/attribute-values", 3, "customers.v3.yml"),
    _cap("PUT", "/v3/customers/form-field-values", 10, "customers.v3.yml"),
    _cap("DELETE", "/v3/pricelists/{price_list_id}", 1, "price_lists.v3.yml"),
    _cap("GET", "/v3/pricelists/{price_list_id}/records", 10, "price_lists.v3.yml"),
    _cap("POST", "/v3/pricelists/{price_list_id}/records", 10, "price_lists.v3.yml"),
    _cap("PUT", "/v3/pricelists/{price_list_id}/records", 2, "price_lists.v3.yml"),
    _cap("POST", "/v3/pricelists/records", 10, "price_lists.v3.yml (DIGEST §3)"),
    _cap("PUT", "/v3/pricelists/records", 1, "price_lists.v3.yml (DIGEST §3)"),
)


def cap_for(method: str, path: str) -> EndpointCap | None:
    """The cap of ``method path`` (path below the store's base URL, no query), if any."""
    for cap in ENDPOINT_CAPS:
        if cap.method == method and cap.pattern.match(path):
            return cap
    return None
