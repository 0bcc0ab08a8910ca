"""The terminal renderer."""

from __future__ import annotations

from io import StringIO

from rich.console import Console

from reconciler.plan.model import KindSafety, Plan, Safety
from reconciler.render import plain_text, render_text
from tests.render.helpers import sample_plan


def test_changes_read_like_terraform() -> None:
    text = plain_text(sample_plan())
    assert text.startswith("Plan for production (store abc123)\n")
    assert "  + create brand Summit  (catalog/brands/brands.yaml:3:5)\n" in text
    assert "  ~ update product TRAIL-01  Trail Runner\n" in text
    assert "      price: $89.00 → $79.00\n" in text
    assert "      variants[TRAIL-01-9].inventory_level: 4 → 6\n" in text
    assert "      + variants[TRAIL-01-10]\n" in text
    assert "      - images[1]\n" in text
    assert "      sale_price: null → $150.50\n" in text
    assert "  ! blocked delete product KEEP-1  Heirloom: protect: true" in text
    assert "  - delete page /old-sale/  Old sale\n" in text
    assert "Upload theme Ridgeline version 1.1.0 and activate variation Light" in text
    assert "product  2 to update · 1 blocked · 38 unchanged\n" in text
    assert "Plan: 1 to create, 3 to update, 1 to delete, 1 blocked.\n" in text
    assert text.endswith("Safety: ok\n")


def test_colour_only_on_a_terminal() -> None:
    buffer = StringIO()
    Console(file=buffer, force_terminal=True, color_system="standard").print(
        render_text(sample_plan()), end=""
    )
    assert "\x1b[" in buffer.getvalue()
    assert "\x1b[" not in plain_text(sample_plan())


def test_blocked_and_forced_verdicts() -> None:
    blocked = Safety((KindSafety("product", 20, 10, 0, 0.3, 0.3, 10,
                                 ("would update 10 of 20 products (50%), more than the 30%"
                                  " allowed",)),))
    text = plain_text(sample_plan(safety=blocked))
    assert "Safety: BLOCKED\n  would update 10 of 20 products (50%)" in text
    assert "--force REASON" in text
    forced = plain_text(sample_plan(safety=Safety(blocked.kinds, forced_reason="sale")))
    assert "Safety: forced (sale)\n" in forced


def test_no_changes() -> None:
    plan = Plan("uat", "", (), {"product": 3, "brand": 2},
                kinds=("brand", "product"))
    text = plain_text(plan)
    assert "No changes: 5 items are up to date.\n" in text
