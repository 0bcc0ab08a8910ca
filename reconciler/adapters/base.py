"""The target contract: how one kind is read from and written to a BigCommerce store.

An :class:`Adapter` is the API mapping of one kind (:mod:`reconciler.kinds`): it reads
the live items of its kind with as few requests as the API allows and writes changes in
the largest batches each endpoint takes. Everything else — what to change, in which
order, safety, results, history — is the planner's and the applier's business. Like
octoDNS providers, the contract is small: :meth:`Adapter.read` and :meth:`Adapter.write`.

Values crossing this boundary are *model-shaped*: dicts with the field names of the kind's
pydantic model and references by natural key (``brand: "Summit"``, ``categories:
["Footwear/Trail"]``, ``variants: [{sku, option_values: {Size: "9"}, ...}]``), never IDs.
Adapters translate IDs to keys when reading and keys to IDs when writing through
:class:`IdMaps`, which is filled as kinds are read in dependency order and updated as
items are created during an apply.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from reconciler.errors import ApiDetail
from reconciler.kinds.base import Kind

if TYPE_CHECKING:
    from reconciler.config import EffectiveEnvironment
    from reconciler.live.client import LiveClient
    from reconciler.plan.model import Change


class LiveItem:
    """One item as the store has it.

    * ``key``: its natural key as the store spells it (``match_key`` via the kind);
    * ``data``: model-shaped values of every field the kind's model knows and the store
      returned (server-owned fields dropped), references as natural keys — plain JSON
      values, and a fresh copy on every access;
    * ``ids``: the store's ids of the item and its sub-resources, in a shape the adapter
      defines and reads back on write (``{"id": 12, "variants": {"trail-01-9": 77}}``);
    * ``owned``: whether it carries StagingPro's ownership marker (prune mode ``owned``).

    ``data`` is kept as its compact JSON text (:attr:`text`), not as dicts: a product with
    nine variants takes ~2 KB that way against ~8 KB of dicts, and live items are most of
    what a plan holds while reading a large store (50,000 products with variants: 100 MB
    of text; the whole read went from ~480 to ~300 MB). The text is also what the plan's
    live fingerprint hashes, so each item is encoded once.
    Immutable; equal when key, data, ids and ownership are.
    """

    __slots__ = ("ids", "key", "owned", "text")

    key: str
    text: str
    ids: Mapping[str, Any]
    owned: bool

    def __init__(
        self,
        key: str,
        data: Mapping[str, Any],
        ids: Mapping[str, Any] | None = None,
        owned: bool = False,
    ) -> None:
        setter = object.__setattr__
        setter(self, "key", key)
        setter(self, "text", encode_json(data))
        setter(self, "ids", {} if ids is None else ids)
        setter(self, "owned", owned)

    @property
    def data(self) -> dict[str, Any]:
        """The item's values (decoded from :attr:`text`: a new dict each time)."""
        decoded: dict[str, Any] = json.loads(self.text)
        return decoded

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"LiveItem is immutable (cannot set {name})")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LiveItem):
            return NotImplemented
        return (self.key, self.text, self.ids, self.owned) == (
            other.key, other.text, other.ids, other.owned
        )

    __hash__ = None  # type: ignore[assignment]  # ids is a mutable mapping

    def __reduce__(self) -> tuple[type[LiveItem], tuple[str, dict[str, Any], Any, bool]]:
        # copy and pickle would otherwise restore the slots through __setattr__.
        return (LiveItem, (self.key, self.data, self.ids, self.owned))

    def __repr__(self) -> str:
        return f"LiveItem(key={self.key!r}, data={self.text}, ids={self.ids!r}, owned={self.owned})"


encode_json = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
"""Compact JSON text of a value, with keys in insertion order (deterministic for equal
data built the same way): how :class:`LiveItem` keeps its data."""


class IdMaps:
    """Natural key ↔ store id, per kind, for one store.

    Keys are stored in the kind's match form (``Kind.match_key``), so lookups are
    case-insensitive exactly where the kind is.
    """

    def __init__(self) -> None:
        self._ids: dict[str, dict[str, Any]] = {}
        self._keys: dict[str, dict[Any, str]] = {}

    def remember(self, kind: Kind[Any], key: str, store_id: Any) -> None:
        match = kind.match_key(key)
        self._ids.setdefault(kind.name, {})[match] = store_id
        self._keys.setdefault(kind.name, {})[store_id] = key

    def forget(self, kind: Kind[Any], key: str) -> None:
        store_id = self._ids.get(kind.name, {}).pop(kind.match_key(key), None)
        if store_id is not None:
            self._keys.get(kind.name, {}).pop(store_id, None)

    def id_of(self, kind: Kind[Any], key: str) -> Any | None:
        """The store id of ``kind`` item ``key``, or ``None`` when the store has none."""
        return self._ids.get(kind.name, {}).get(kind.match_key(key))

    def key_of(self, kind: Kind[Any], store_id: Any) -> str | None:
        """The natural key of the ``kind`` item with ``store_id``, or ``None``."""
        return self._keys.get(kind.name, {}).get(store_id)


@dataclass
class LiveContext:
    """What an adapter works with: the client, the id maps and the environment's settings.

    ``declared_keys`` tells :meth:`Adapter.read` which items the declared state has, and
    ``declared_fields`` which top-level fields each of them declares, for adapters that
    read some details only where the declared state needs them (e.g. product options,
    which the API returns at most 10 products per page). Both come from
    :mod:`reconciler.plan.scope`, so plan and apply ask for the same details.
    """

    client: LiveClient
    ids: IdMaps
    environment: EffectiveEnvironment
    declared_keys: Mapping[str, frozenset[str]] = field(default_factory=dict)
    declared_fields: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict)
    state_root: Path | None = None
    """The declared state's root (``store-state/``): repository files a change names
    (product images) are read relative to it."""


Outcome = Literal["applied", "failed", "skipped"]


@dataclass(frozen=True)
class ItemResult:
    """The outcome of one change: applied, failed (with BigCommerce's answer), or skipped
    (because something it depends on failed). ``ids`` are the store ids after the write."""

    kind: str
    key: str
    action: str
    outcome: Outcome
    message: str = ""
    detail: ApiDetail | None = None
    ids: Mapping[str, Any] = field(default_factory=dict)


class Adapter(ABC):
    """The API mapping of one kind. Subclasses set :attr:`kind` and implement both methods."""

    kind: ClassVar[Kind[Any]]

    @abstractmethod
    async def read(self, ctx: LiveContext) -> Mapping[str, LiveItem]:
        """Every live item of this kind, by ``kind.match_key(key)``; remembers ids in
        ``ctx.ids``. Items the store has but StagingPro cannot key (e.g. a product without
        a SKU) are left out."""

    async def read_keys(self, ctx: LiveContext, keys: frozenset[str]) -> Mapping[str, LiveItem]:
        """The live items of this kind whose ``kind.match_key(key)`` is in ``keys`` (those
        the store has; a key it lacks is simply absent from the answer).

        Apply calls this to re-read only the items a saved plan touches (to check their
        fingerprints) and the items those refer to (to resolve their ids), so it must
        return exactly what :meth:`read` would return for these keys — same ``data``,
        ``ids`` and ``owned`` — and remember the ids of at least these items in
        ``ctx.ids``. ``ctx.declared_keys`` is set as :meth:`read` sees it when planning.

        The default reads everything with :meth:`read` and filters; an adapter whose API
        can look items up by key (``sku:in=``, ``name:in=``) may override it to spend
        fewer requests on large stores.
        """
        items = await self.read(ctx)
        return {match: item for match, item in items.items() if match in keys}

    @abstractmethod
    async def write(self, ctx: LiveContext, changes: Sequence[Change]) -> list[ItemResult]:
        """Apply ``changes`` (all of this kind, one action, dependencies already applied) in
        the largest batches the API takes; one :class:`ItemResult` per change, in order.

        A failing item never stops the others: a batch answered 422 is split to find the
        bad item. Ids of created items are remembered in ``ctx.ids`` so later kinds can
        refer to them. Must be idempotent: re-running after a crash converges without
        duplicates (creates look items up by natural key first when a previous answer was
        lost).
        """
