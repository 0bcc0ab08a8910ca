"""Plans built by hand for the renderer tests."""

from __future__ import annotations

from reconciler.plan.model import ABSENT, Change, FieldChange, KindSafety, Plan, Safety


def sample_plan(**overrides: object) -> Plan:
    changes = (
        Change("brand", "Summit", "create", "", (FieldChange(("name",), ABSENT, "Summit"),),
               desired={"name": "Summit"}, source="catalog/brands/brands.yaml:3:5"),
        Change("product", "TRAIL-01", "update", "Trail Runner",
               (FieldChange(("price",), "89", "79"),
                FieldChange(("variants", "TRAIL-01-9", "inventory_level"), 4, 6),
                FieldChange(("variants", "TRAIL-01-10"), ABSENT, {"sku": "TRAIL-01-10"}),
                FieldChange(("images", 1), {"url": "https://cdn/x.png"}, ABSENT)),
               desired={"sku": "TRAIL-01", "name": "Trail Runner", "price": "79"},
               live_ids={"id": 1}, fingerprint="0" * 64),
        Change("product", "HIKE-01", "update", "Cascade Boot",
               (FieldChange(("sale_price",), None, "150.5"),),
               desired={"sku": "HIKE-01"}, live_ids={"id": 2}, fingerprint="1" * 64),
        Change("product", "KEEP-1", "delete", "Heirloom", (FieldChange(("sku",), "KEEP-1"),),
               blocked="protect: true — this item is never deleted", fingerprint="2" * 64),
        Change("page", "/old-sale/", "delete", "Old sale", (), fingerprint="3" * 64),
        Change("theme", "Ridgeline", "update", "",
               (FieldChange(("version",), "1.0.0", "1.1.0"),),
               desired={"name": "Ridgeline", "version": "1.1.0", "variation": "Light"}),
    )
    values: dict[str, object] = {
        "environment": "production",
        "store": "abc123",
        "changes": changes,
        "unchanged": {"brand": 5, "product": 38, "page": 4, "theme": 0},
        "settings": {"prune": {"product": "off"}},
        "safety": Safety((KindSafety("product", 41, 2, 0, 0.3, 0.3, 10),)),
        "kinds": ("brand", "product", "page", "theme"),
        "currency": "USD",
        "currency_symbol": "$",
    }
    values.update(overrides)
    return Plan(**values)  # type: ignore[arg-type]
