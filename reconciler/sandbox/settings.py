"""Per-store behaviour settings of the sandbox: plan rate limit, injected faults, scripted failures.

They live in the store's ``meta["sandbox"]`` (persisted with the store, so a setting made by
``stagingpro sandbox`` in one process applies in a ``sandbox serve`` running in another) as::

    {"settings": {"rate_limit": {...}, "faults": {...}, "seed": 0},
     "failures": [{...scripted failure...}], "next_failure_id": 1, "version": 3}

``version`` grows with every change so that the app rebuilds its in-memory state (rate
window, random generator) only when a setting changed. Bad settings raise
:class:`~reconciler.errors.ConfigError` naming the field.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from reconciler.errors import ConfigError
from reconciler.sandbox.storage import SandboxDB, Store

DEFAULT_QUOTA = 1_000_000
"""Requests per window when no plan quota is set: generous, so normal use never hits it."""
STANDARD_QUOTA = 150
"""Requests per window on BigCommerce's Standard plan: ``sandbox serve``'s default quota."""
DEFAULT_WINDOW_MS = 30_000
"""BigCommerce's rate-limit window (30 s)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RateLimitSettings(_Model):
    """A plan quota: ``quota`` requests per ``window_ms`` (BigCommerce Standard: 150 per 30 s)."""

    quota: int = Field(DEFAULT_QUOTA, ge=1)
    window_ms: int = Field(DEFAULT_WINDOW_MS, ge=1)


class FaultSettings(_Model):
    """Faults injected into requests, drawn from a random generator seeded with ``seed``.

    Per request, after ``latency_ms`` plus a uniform ``0..jitter_ms`` delay, one outcome:

    * ``timeout_rate``: the request is handled (a write is applied) but the answer never
      comes: over a socket the server stalls, then closes the connection after
      ``stall_ms``; in process, ``httpx.ReadTimeout`` is raised at once;
    * ``drop_rate``: the connection closes before the request is handled (nothing applied);
      in process, ``httpx.RemoteProtocolError``;
    * ``error_rate``: an ``error_status`` (5xx) answer with BigCommerce's error body, nothing
      applied;
    * otherwise the request is served normally.
    """

    latency_ms: float = Field(0, ge=0)
    jitter_ms: float = Field(0, ge=0)
    error_rate: float = Field(0, ge=0, le=1)
    error_status: int = Field(503, ge=500, le=599)
    timeout_rate: float = Field(0, ge=0, le=1)
    drop_rate: float = Field(0, ge=0, le=1)
    stall_ms: int = Field(120_000, ge=0)

    @model_validator(mode="after")
    def _rates_fit(self) -> FaultSettings:
        if self.error_rate + self.timeout_rate + self.drop_rate > 1:
            raise ValueError("error_rate + timeout_rate + drop_rate must not exceed 1")
        return self


class StoreSettings(_Model):
    """Everything that shapes how one sandbox store behaves (besides its data)."""

    rate_limit: RateLimitSettings = RateLimitSettings()
    faults: FaultSettings = FaultSettings()
    seed: int = 0


class ScriptedFailure(_Model):
    """Answer ``status`` with ``body`` for requests matching ``method``, ``path`` and the
    product they touch.

    ``path`` is a glob on the path below ``/stores/{hash}`` without the query
    (``/v3/catalog/products*``). ``sku`` and ``product_id`` (optional) name one product the
    request must touch (see :func:`touched_products`): a request touches the SKUs written
    anywhere in its JSON body (as ``sku`` keys, case-insensitively) and the catalog products
    it names by id, whose SKUs it touches too; so a failure scripted by SKU also fires for
    a batch ``PUT /v3/catalog/products`` that sends only ids. ``count`` (optional) is how
    many more times it fires before it is removed. ``body`` defaults to BigCommerce's error
    body for the status (the V2 array on V2 paths). A matched request is not applied.
    """

    id: int = 0
    method: str = "*"
    path: str = "*"
    sku: str | None = None
    product_id: int | None = None
    status: int = Field(ge=400, le=599)
    body: Any = None
    count: int | None = Field(None, ge=1)

    def matches(self, method: str, path: str, touched: Callable[[], TouchedProducts]) -> bool:
        if self.method != "*" and self.method.upper() != method.upper():
            return False
        if not fnmatch.fnmatchcase(path, self.path):
            return False
        if self.sku is not None and self.sku.lower() not in touched().skus:
            return False
        return self.product_id is None or self.product_id in touched().ids


@dataclass(frozen=True)
class TouchedProducts:
    """The catalog products one request touches: by id, and by SKU (lower case)."""

    ids: frozenset[int]
    skus: frozenset[str]


_PRODUCT_PATH = re.compile(r"^/v3/catalog/products/(?P<id>\d+)(?:/|$)")


def touched_products(store: Store, path: str, body: Any) -> TouchedProducts:
    """Products ``path`` and ``body`` touch: the id in a ``/v3/catalog/products/{id}`` path,
    ``id`` of the items of a ``/v3/catalog/products`` batch, any ``product_id`` key, and
    every ``sku`` key of the body; each id found adds its product's SKU."""
    from reconciler.sandbox.resources.catalog_documents import products

    ids: set[int] = set()
    skus: set[str] = set()
    match = _PRODUCT_PATH.match(path)
    if match is not None:
        ids.add(int(match["id"]))
    if path == "/v3/catalog/products":
        items = body if isinstance(body, list) else [body]
        ids.update(i["id"] for i in items if isinstance(i, dict) and _is_id(i.get("id")))
    _collect(body, ids, skus)
    coll = products(store)
    for product_id in ids:
        found = coll.get(product_id)
        if found is not None and found.get("sku"):
            skus.add(str(found["sku"]).lower())
    return TouchedProducts(frozenset(ids), frozenset(skus))


def _is_id(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _collect(value: Any, ids: set[int], skus: set[str]) -> None:
    if isinstance(value, dict):
        sku, product_id = value.get("sku"), value.get("product_id")
        if isinstance(sku, str):
            skus.add(sku.lower())
        if isinstance(product_id, int) and _is_id(product_id):
            ids.add(product_id)
        for inner in value.values():
            _collect(inner, ids, skus)
    elif isinstance(value, list):
        for inner in value:
            _collect(inner, ids, skus)


def _state(store: Store) -> dict[str, Any]:
    state: dict[str, Any] = store.meta.get("sandbox") or {}
    return state


def settings_version(store: Store) -> int:
    """Grows with every change of settings or scripted failures of ``store``."""
    return int(_state(store).get("version", 0))


def read_settings(store: Store) -> StoreSettings:
    return StoreSettings.model_validate(_state(store).get("settings", {}))


def list_failures(store: Store) -> list[ScriptedFailure]:
    return [ScriptedFailure.model_validate(f) for f in _state(store).get("failures", [])]


def _validate(model: type[_Model], data: Any, what: str) -> Any:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or what}: {e['msg']}" for e in error.errors()
        )
        raise ConfigError(
            f"invalid sandbox {what}: {problems}",
            hint="see the FaultSettings/RateLimitSettings fields in reconciler/sandbox/settings.py",
        ) from None


def _save(db: SandboxDB, store: Store, state: dict[str, Any]) -> None:
    state["version"] = int(state.get("version", 0)) + 1
    store.set_meta("sandbox", state)
    db.commit()


def update_settings(db: SandboxDB, store_hash: str, patch: Mapping[str, Any]) -> StoreSettings:
    """Merge ``patch`` into the store's settings (sections merge field by field) and save."""
    store = db.store(store_hash)
    current = read_settings(store).model_dump()
    if not isinstance(patch, Mapping):
        raise ConfigError("invalid sandbox settings: expected an object")
    for key, value in patch.items():
        if isinstance(value, Mapping) and isinstance(current.get(key), dict):
            current[key] = {**current[key], **value}
        else:
            current[key] = value
    settings: StoreSettings = _validate(StoreSettings, current, "settings")
    state = dict(_state(store))
    state["settings"] = settings.model_dump()
    _save(db, store, state)
    return settings


def add_failure(db: SandboxDB, store_hash: str, spec: Mapping[str, Any]) -> ScriptedFailure:
    """Add a scripted failure (see :class:`ScriptedFailure`); its ``id`` is assigned here."""
    store = db.store(store_hash)
    state = dict(_state(store))
    failure_id = int(state.get("next_failure_id", 1))
    failure: ScriptedFailure = _validate(
        ScriptedFailure, {**dict(spec), "id": failure_id}, "scripted failure"
    )
    state["next_failure_id"] = failure_id + 1
    state["failures"] = [*state.get("failures", []), failure.model_dump()]
    _save(db, store, state)
    return failure


def clear_failures(db: SandboxDB, store_hash: str, failure_id: int | None = None) -> int:
    """Remove one scripted failure (by id) or all of them; returns how many were removed."""
    store = db.store(store_hash)
    state = dict(_state(store))
    failures: list[dict[str, Any]] = state.get("failures", [])
    kept = [f for f in failures if failure_id is not None and f["id"] != failure_id]
    state["failures"] = kept
    _save(db, store, state)
    return len(failures) - len(kept)


def take_failure(
    db: SandboxDB, store: Store, method: str, path: str, body: Any
) -> ScriptedFailure | None:
    """The first scripted failure matching this request, counting it down (and saving)."""
    state = _state(store)
    failures: list[dict[str, Any]] = state.get("failures", [])
    touched = functools.cache(lambda: touched_products(store, path, body))
    for index, raw in enumerate(failures):
        failure = ScriptedFailure.model_validate(raw)
        if not failure.matches(method, path, touched):
            continue
        if failure.count is not None:
            remaining = [dict(f) for f in failures]
            if failure.count == 1:
                del remaining[index]
            else:
                remaining[index]["count"] = failure.count - 1
            # A count-down is not a settings change: keep the version (and the fault
            # generator's sequence) as it is.
            store.set_meta("sandbox", {**state, "failures": remaining})
            db.commit()
        return failure
    return None


def reset_settings(db: SandboxDB, store_hash: str) -> None:
    """Back to defaults: no plan quota, no faults, no scripted failures."""
    store = db.store(store_hash)
    state = dict(_state(store))
    state.pop("settings", None)
    state["failures"] = []
    _save(db, store, state)
