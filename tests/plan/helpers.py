"""A small declared state in a temporary directory, and live items built by hand."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from reconciler.adapters.base import LiveItem
from reconciler.config import EffectiveEnvironment, effective_environment
from reconciler.kinds.registry import kind_named
from reconciler.state import DeclaredState, load_state


def write_state(
    root: Path,
    files: Mapping[str, Any],
    *,
    environment: Mapping[str, Any] | None = None,
) -> Path:
    """Write ``stagingpro.yaml`` (environment ``test`` with the given settings) and the
    YAML ``files`` (path relative to ``root`` → data) under ``root``."""
    config = {
        "version": 1,
        "environments": {"test": {"backend": {"sandbox": "plan-test"}, **(environment or {})}},
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / "stagingpro.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    for relative, data in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return root


def load(root: Path) -> tuple[DeclaredState, EffectiveEnvironment]:
    declared = load_state(root, "test")
    return declared, effective_environment(declared.config, "test")


def product(sku: str, **fields: Any) -> dict[str, Any]:
    """A valid declared product."""
    return {"sku": sku, "name": f"Product {sku}", "type": "physical", "price": "10.00",
            "weight": 1, **fields}


def live_items(kind: str, *entries: Mapping[str, Any], owned: bool = False,
               key_field: str | None = None) -> dict[str, LiveItem]:
    """Live items of ``kind`` with the given model-shaped data."""
    kind_ = kind_named(kind)
    field = key_field or kind_.key_fields[0]
    result: dict[str, LiveItem] = {}
    for index, data in enumerate(entries):
        key = str(data[field])
        result[kind_.match_key(key)] = LiveItem(key, dict(data), {"id": index + 1}, owned)
    return result
