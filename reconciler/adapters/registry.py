"""Every kind's adapter, found by discovery: each module of this package that defines
``adapter`` (an :class:`~reconciler.adapters.base.Adapter` instance) is registered under
its kind's name. Adding a kind's API mapping is adding a module."""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

import reconciler.adapters as package
from reconciler.adapters.base import Adapter
from reconciler.errors import ConfigError

_cache: dict[str, Adapter] | None = None


def adapters() -> dict[str, Adapter]:
    """Adapters by kind name."""
    global _cache
    if _cache is None:
        found: dict[str, Adapter] = {}
        for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            candidate: Any = getattr(module, "adapter", None)
            if isinstance(candidate, Adapter):
                found[candidate.kind.name] = candidate
        _cache = found
    return _cache


def adapter_for(kind_name: str) -> Adapter:
    """The adapter of ``kind_name``; :class:`ConfigError` when no adapter exists for it."""
    try:
        return adapters()[kind_name]
    except KeyError:
        raise ConfigError(f"no API mapping exists for kind {kind_name!r}") from None
