"""The plan: an immutable value describing what an apply would change in one environment.

A :class:`Plan` is computed by :mod:`reconciler.plan.build` from the declared state and
the live state, rendered by :mod:`reconciler.render` (terminal, Markdown, JSON), saved as
JSON (``--out plan.json``) and executed by :mod:`reconciler.apply`. It holds everything
apply needs, so a saved plan is applied exactly as reviewed, never re-derived from YAML
that may have changed since:

* each :class:`Change` carries the ``desired`` model-shaped values to write (natural keys,
  never IDs), the store ``live_ids`` it read and a ``fingerprint`` of the live item, so
  apply can refuse a plan whose items changed in the store since it was computed;
* ``checksum`` is the plan's identity: its **change set**. It covers the environment, the
  store, the kinds and selection planned, the ``settings`` that shaped the plan (prune
  modes, safety thresholds, …) and each change (kind, key, action, field changes, desired
  values, and the ids and fingerprint of the live item it touches) — nothing else. Unchanged
  live items and the declarations of unchanged items are not part of it, so a sale
  elsewhere in the store or another merged pull request leaves a reviewed plan's checksum
  as it was; the time, commit, counts, the shares of the safety verdict (only whether it
  was exceeded and the ``--force`` reason count) and each change's ``source`` line are
  left out too. This is what ``stagingpro
  apply --checksum`` compares against the reviewed plan
  (:func:`~reconciler.plan.serialize.plan_identity`).

Values are as written, never normalised: ``desired`` and each field's ``after`` hold the
values as declared (decimals as the YAML spells them, HTML and text byte for byte), and
each ``before`` the value as the store returned it. Items are *compared* in the canonical
form of :mod:`reconciler.plan.canonical`; fingerprints hash that form.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

FORMAT_VERSION = 2
"""Version of the plan's JSON shape (``schemas/plan.schema.json``). 2: ``desired`` and
``after`` values are as declared (1 held their canonical form, which apply then sent), and
the checksum covers the change set only."""

Action = Literal["create", "update", "delete"]
JsonValue = Any
"""A JSON value: ``None``, bool, int, float, str, list or dict of those."""
PathPart = str | int
"""A path step: a field name, a list index, or the key of an entry of a keyed list
(``("variants", "TRAIL-01-9", "price")``: the variant with SKU ``TRAIL-01-9``)."""


class Absent:
    """The marker for "no value on this side" in a :class:`FieldChange` (JSON: omitted)."""

    _instance: Absent | None = None

    def __new__(cls) -> Absent:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "ABSENT"

    def __reduce__(self) -> str:
        return "ABSENT"


ABSENT = Absent()


@dataclass(frozen=True)
class FieldChange:
    """One value that differs: ``before`` (live, as the store returned it) → ``after``
    (as declared).

    ``before`` is :data:`ABSENT` for a value the store does not have; ``after`` is
    :data:`ABSENT` for a value being removed (an entry of a keyed list, or on delete).
    """

    path: tuple[PathPart, ...]
    before: JsonValue | Absent = ABSENT
    after: JsonValue | Absent = ABSENT


@dataclass(frozen=True)
class Change:
    """One item to create, update or delete.

    * ``key``: the natural key (``TRAIL-01``); ``title``: a human label (the product name).
    * ``fields``: field-level differences; for a create every declared value, for a
      delete every live value.
    * ``desired``: the item as declared (create, update; repository files resolved) —
      what apply writes, byte for byte; for an update apply writes only the ``fields``
      paths but may need the rest (e.g. a variant's option values to create it).
    * ``live_ids``: the store's ids for the item and its sub-resources at plan time
      (adapter-defined shape), ``fingerprint``: sha256 of the live item's canonical data
      (update, delete) — apply re-reads the item and refuses when it differs.
    * ``blocked``: why this change will not be applied (``protect: true`` on a delete);
      blocked changes are shown but skipped.
    * ``source``: ``file:line`` of the declaration, when there is one.
    """

    kind: str
    key: str
    action: Action
    title: str = ""
    fields: tuple[FieldChange, ...] = ()
    desired: Mapping[str, JsonValue] | None = None
    live_ids: Mapping[str, JsonValue] | None = None
    fingerprint: str | None = None
    blocked: str | None = None
    source: str | None = None


Rule = Literal["create_only", "ignore"]
"""Why a declared field is left alone (``stagingpro.yaml`` ``lifecycle``): sent on create
only, or never."""


@dataclass(frozen=True)
class KindLifecycle:
    """One kind's lifecycle rules as the plan applied them (dotted field paths), and how
    many of the kind's declared items in the plan declare a field they leave alone."""

    kind: str
    create_only: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    declared_by: int = 0


@dataclass(frozen=True)
class LeftAlone:
    """A declared value that differs from the live one and that the plan leaves alone by
    a lifecycle ``rule`` (a sale lowered the stock: ``live`` 80, ``declared`` 85)."""

    kind: str
    key: str
    path: tuple[PathPart, ...]
    rule: Rule
    live: JsonValue | Absent = ABSENT
    declared: JsonValue | Absent = ABSENT


@dataclass(frozen=True)
class KindSafety:
    """The share of one kind's live items a plan updates and deletes, and the verdict."""

    kind: str
    live_items: int
    updates: int
    deletes: int
    max_update_share: float
    max_delete_share: float
    min_items: int
    violations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Safety:
    """Safety verdict of a plan; ``blocked`` unless forced, and then the reason is kept."""

    kinds: tuple[KindSafety, ...] = ()
    forced_reason: str | None = None

    @property
    def violations(self) -> tuple[str, ...]:
        return tuple(v for k in self.kinds for v in k.violations)

    @property
    def blocked(self) -> bool:
        return bool(self.violations) and self.forced_reason is None


@dataclass(frozen=True)
class Plan:
    """What applying the declared state to ``environment`` would change (module docstring)."""

    environment: str
    store: str
    changes: tuple[Change, ...]
    unchanged: Mapping[str, int]
    settings: Mapping[str, JsonValue] = field(default_factory=dict)
    """The environment's settings that shape the plan, as JSON (prune modes, safety
    thresholds, …; :func:`reconciler.plan.build.plan_settings`)."""
    safety: Safety = field(default_factory=Safety)
    kinds: tuple[str, ...] = ()
    """The kinds this plan covers (after ``--only``/``--exclude``), in apply order."""
    selection: tuple[str, ...] = ()
    """The ``--only``/``--exclude`` arguments it was computed with, for the record."""
    currency: str = ""
    """The store's default currency (ISO 4217, ``USD``), for showing prices; "" unknown."""
    currency_symbol: str = ""
    """The store's currency symbol (``$``), for showing prices; "" unknown."""
    created_at: str = ""
    commit: str | None = None
    format_version: int = FORMAT_VERSION
    lifecycle: tuple[KindLifecycle, ...] = ()
    """The lifecycle rules of the kinds it covers (only kinds with rules)."""
    left_alone: tuple[LeftAlone, ...] = ()
    """Declared values that differ live, left alone by those rules (not in ``checksum``:
    like unchanged items, they must not make a reviewed plan stale)."""

    @property
    def has_changes(self) -> bool:
        return any(c.blocked is None for c in self.changes)

    @property
    def checksum(self) -> str:
        """sha256 of the canonical JSON of the plan's change set (module docstring)."""
        from reconciler.plan.serialize import plan_identity

        text = json.dumps(
            plan_identity(self), sort_keys=True, separators=(",", ":"), ensure_ascii=False,
            allow_nan=False,
        )
        return hashlib.sha256(text.encode()).hexdigest()

    def counts(self) -> dict[str, dict[str, int]]:
        """``{kind: {"create": n, "update": n, "delete": n, "blocked": n}}``, kinds with changes."""
        result: dict[str, dict[str, int]] = {}
        for change in self.changes:
            per_kind = result.setdefault(
                change.kind, {"create": 0, "update": 0, "delete": 0, "blocked": 0}
            )
            per_kind["blocked" if change.blocked else change.action] += 1
        return result
