"""Creating sandbox stores with BigCommerce-like store information and access tokens.

Every new store gets a full-access token, :data:`DEFAULT_TOKEN`: the sandbox is a local
toy store, so this token is no secret; it lets ``stagingpro plan`` work on a fresh checkout
with no setup. Further tokens (read-only ones, or with a few scopes) are added with
:func:`add_token` to test how commands behave with restricted credentials.
"""

from __future__ import annotations

from typing import Any

from reconciler.sandbox.http import now_iso
from reconciler.sandbox.storage import SandboxDB, Store

DEFAULT_TOKEN = "sandbox-token"
"""The full-access token every sandbox store accepts."""

DEFAULT_CLIENT_ID = "sandbox-client"
"""The API account behind a token made without a ``client_id``."""

ALL_SCOPES = "*"


def create_store(db: SandboxDB, store_hash: str, *, name: str | None = None) -> Store:
    """Create (or return the existing) store ``store_hash`` with default settings."""
    if db.has_store(store_hash):
        return db.store(store_hash)
    meta: dict[str, Any] = {
        "info": {
            "id": store_hash,
            "domain": f"{store_hash}.sandbox.stagingpro.local",
            "secure_url": f"https://{store_hash}.sandbox.stagingpro.local",
            "control_panel_base_url": f"https://{store_hash}.sandbox.stagingpro.local/manage",
            "status": "live",
            "name": name or store_hash,
            "first_name": "Sandbox",
            "last_name": "Owner",
            "address": "1 Loopback Lane",
            "country": "United States",
            "country_code": "US",
            "phone": "",
            "admin_email": "owner@example.com",
            "order_email": "orders@example.com",
            "timezone": {
                "name": "Etc/UTC",
                "raw_offset": 0,
                "dst_offset": 0,
                "dst_correction": False,
                "date_format": {
                    "display": "jS M Y",
                    "export": "M jS Y",
                    "extended_display": "M jS Y @ g:i A",
                },
            },
            "language": "en",
            "currency": "USD",
            "currency_symbol": "$",
            "decimal_separator": ".",
            "thousands_separator": ",",
            "decimal_places": 2,
            "currency_symbol_location": "left",
            "weight_units": "LBS",
            "dimension_units": "Inches",
            "dimension_decimal_places": 2,
            "dimension_decimal_token": ".",
            "dimension_thousands_token": ",",
            "plan_name": "Sandbox",
            "plan_level": "Sandbox",
            "plan_is_trial": False,
            "industry": "Sporting Goods",
            "is_price_entered_with_tax": False,
            "store_id": 1,
            "default_site_id": 1000,
            "default_channel_id": 1,
            "features": {
                "stencil_enabled": True,
                "sitewidehttps_enabled": True,
                "facebook_catalog_id": "",
                "checkout_type": "optimized",
                "wishlists_enabled": False,
                "graphql_storefront_api_enabled": True,
                "shopper_consent_tracking_enabled": False,
                "multi_storefront_enabled": False,
                "storefront_limits": {"active": 1, "total_including_inactive": 1},
            },
            "created_at": now_iso(),
        },
        "tokens": {DEFAULT_TOKEN: {"scopes": ALL_SCOPES}},
    }
    return db.create_store(store_hash, meta)


def add_token(
    db: SandboxDB,
    store_hash: str,
    token: str,
    scopes: dict[str, str] | str,
    *,
    client_id: str = DEFAULT_CLIENT_ID,
) -> None:
    """Let ``token`` call ``store_hash`` with ``scopes``: ``"*"`` or ``{scope: read|modify}``.

    ``client_id`` names the API account behind the token; scripts and webhooks created
    with one account are invisible to another, as on BigCommerce.
    """
    store = db.store(store_hash)
    tokens = dict(store.meta.get("tokens", {}))
    tokens[token] = {"scopes": scopes, "client_id": client_id}
    store.set_meta("tokens", tokens)
    db.commit()
