"""What apply shows: a progress bar with ETA on terminals only; the failure table."""

from __future__ import annotations

import io

from rich.console import Console

from reconciler.adapters.base import ItemResult
from reconciler.cli.apply import failure_table, progress_for
from reconciler.errors import ApiDetail


def test_progress_bar_on_a_terminal_with_eta() -> None:
    screen = io.StringIO()
    console = Console(file=screen, force_terminal=True, width=120)
    bar = progress_for(console, 4)
    assert bar is not None
    bar.progress.start()
    bar.wave_started("product", "update", 4)
    bar.items_done([ItemResult("product", "A", "update", "applied"),
                    ItemResult("product", "B", "update", "failed", "refused")])
    bar.progress.refresh()
    bar.progress.stop()
    shown = screen.getvalue()
    assert "update product (4)" in shown and "2/4" in shown and "1 failed" in shown
    assert "ETA" in shown


def test_no_progress_bar_when_not_a_terminal() -> None:
    assert progress_for(Console(file=io.StringIO(), force_terminal=False), 4) is None


def test_failure_table_shows_status_message_and_errors() -> None:
    detail = ApiDetail("PUT", "https://api/x", 422, "Invalid", {"price": "too high"})
    table = failure_table([
        ItemResult("product", "SKU-1", "update", "failed", "refused", detail),
        ItemResult("product", "SKU-2", "create", "skipped", "it refers to brand 'x'"),
    ])
    lines = table.splitlines()
    assert lines[0].split() == ["KIND", "KEY", "ACTION", "OUTCOME", "STATUS", "MESSAGE"]
    assert "SKU-1" in lines[1] and "422" in lines[1] and "refused (price: too high)" in lines[1]
    assert "skipped" in lines[2] and "it refers to brand 'x'" in lines[2]
