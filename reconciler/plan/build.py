"""Computing a :class:`~reconciler.plan.model.Plan` from the declared and the live state.

:func:`compute_plan` is pure: no I/O besides hashing repository files that declared items
refer to (product images). For each kind the plan covers, in apply order:

* a declared item with no live counterpart is a **create** (its ``fields`` list every
  declared value);
* items are compared in their canonical form (:mod:`reconciler.plan.canonical`: the same
  rules on both sides), but what a change carries is as written: ``desired`` and each
  field's ``after`` are the values as declared (apply sends them byte for byte), each
  ``before`` the value as the store returned it;
* a declared item whose live counterpart differs (:mod:`reconciler.plan.differ`) is an
  **update**; an equal one is counted as unchanged;
* a live item that is not declared is a **delete** only where the environment's prune
  mode for the kind allows it (``off``: never; ``owned``: only items carrying
  StagingPro's ownership marker; ``all``: every one). A live item whose data says
  ``protect: true`` is shown as a *blocked* delete and never deleted.

Then the changes are put in order (:mod:`reconciler.plan.ordering`), safety thresholds
checked (:mod:`reconciler.plan.safety`) and fingerprints taken: ``fingerprint`` per
updated or deleted live item (sha256 of its canonical data,
:func:`~reconciler.plan.canonical.item_fingerprint`), ``live_fingerprint`` over the data
of every live item of the selection as read, ``declared_fingerprint`` over
the canonical declared state of the selection.

Items are compared cheaply first: only the live values a declaration manages are
canonicalised (its projection, :func:`~reconciler.plan.differ.project`) and compared with
``==``; the differ runs only for items that differ, and the whole live item is
canonicalised only for the fingerprint of an update or delete.
"""

from __future__ import annotations

import gc
import hashlib
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reconciler.adapters.base import LiveItem, encode_json
from reconciler.config import EffectiveEnvironment
from reconciler.kinds.base import Kind
from reconciler.plan.canonical import (
    FileDigest,
    canonical_live,
    canonicalize,
    declared_values,
    file_digest,
    fingerprint,
    item_fingerprint,
    rules_of,
)
from reconciler.plan.differ import as_written, diff, project
from reconciler.plan.model import ABSENT, Change, FieldChange, KindSafety, Plan
from reconciler.plan.ordering import ordered
from reconciler.plan.safety import kind_safety, verdict
from reconciler.plan.selection import EVERYTHING, Selection
from reconciler.state.items import DeclaredItem, DeclaredState

LiveState = Mapping[str, Mapping[str, LiveItem]]
"""Live items by kind name, then by :meth:`Kind.match_key` of their natural key."""

THEME_CONTENT_HASH = "content_hash"
"""The digest of a theme's folder and setting overrides (``theme_bundle.theme_digest``)."""
TITLE_FIELDS = ("name", "path", "url", "from_path")
"""Where a change's human label comes from, first found (product and page names …)."""


@dataclass(frozen=True)
class StoreInfo:
    """What the plan records about the store besides its items."""

    store: str = ""
    currency: str = ""
    currency_symbol: str = ""


def declared_item_values(item: DeclaredItem, digest: FileDigest, root: Path) -> dict[str, Any]:
    """One declared item's values as apply sends them (``Change.desired``): the model's
    dump of what the YAML sets, repository files resolved and hashed; a theme gets the
    ``content_hash`` of its folder, compared with the one the theme adapter reads back
    from the live theme's name."""
    data = item.model.model_dump(mode="json", exclude_unset=True)
    values = declared_values(
        item.kind, data, declared_in=lambda path: item.declared_at(path).file, digest=digest
    )
    if item.kind.name == "theme":
        from reconciler.adapters.theme_bundle import theme_digest

        folder = root / posixpath.dirname(item.source.file) / str(values.get("directory", "."))
        values[THEME_CONTENT_HASH] = theme_digest(folder, values.get("settings"))
    return values


def declared_json(item: DeclaredItem, digest: FileDigest, root: Path) -> dict[str, Any]:
    """The canonical JSON of one declared item (what it is compared as)."""
    result: dict[str, Any] = canonicalize(
        declared_item_values(item, digest, root), rules_of(item.kind)
    )
    return result


def compute_plan(
    declared: DeclaredState,
    live: LiveState,
    environment: EffectiveEnvironment,
    *,
    kinds: Sequence[Kind[Any]],
    selection: Selection = EVERYTHING,
    force_reason: str | None = None,
    store: StoreInfo | None = None,
    created_at: str = "",
    commit: str | None = None,
) -> Plan:
    """What applying ``declared`` to the store read as ``live`` would change (module
    docstring). ``kinds`` are the kinds to plan, in apply order; ``selection`` narrows
    both sides further."""
    # Planning allocates many small containers and frees none of them in cycles: the
    # cyclic collector would only rescan the live state again and again.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _compute(
            declared, live, environment, kinds=kinds, selection=selection,
            force_reason=force_reason, store=store, created_at=created_at, commit=commit,
        )
    finally:
        if collecting:
            gc.enable()


def _compute(
    declared: DeclaredState,
    live: LiveState,
    environment: EffectiveEnvironment,
    *,
    kinds: Sequence[Kind[Any]],
    selection: Selection,
    force_reason: str | None,
    store: StoreInfo | None,
    created_at: str,
    commit: str | None,
) -> Plan:
    covered = selection.kinds(kinds)
    digest = file_digest(declared.root)
    changes: list[Change] = []
    unchanged: dict[str, int] = {}
    safeties: dict[str, KindSafety] = {}
    declared_hash, live_hash = hashlib.sha256(), hashlib.sha256()
    for kind in covered:
        planner = _KindPlanner(kind, environment, digest, declared.root, declared_hash, live_hash)
        wanted = _selected(declared.items.get(kind.name, {}), kind, selection)
        everything_live = live.get(kind.name, {})
        present = _selected(everything_live, kind, selection)
        kind_changes, same = planner.plan(wanted, present)
        changes.extend(kind_changes)
        unchanged[kind.name] = same
        safeties[kind.name] = kind_safety(
            kind.name,
            len(everything_live),
            sum(1 for c in kind_changes if c.action == "update"),
            sum(1 for c in kind_changes if c.action == "delete" and c.blocked is None),
            environment.safety,
            kind.plural.replace("_", " "),
        )
    info = store or StoreInfo()
    return Plan(
        environment=environment.name,
        store=info.store,
        changes=ordered(changes, covered),
        unchanged=unchanged,
        declared_fingerprint=declared_hash.hexdigest(),
        live_fingerprint=live_hash.hexdigest(),
        safety=verdict(safeties, force_reason),
        kinds=tuple(kind.name for kind in covered),
        selection=selection.arguments(),
        currency=info.currency,
        currency_symbol=info.currency_symbol,
        created_at=created_at,
        commit=commit,
    )


def _selected(
    items: Mapping[str, Any], kind: Kind[Any], selection: Selection
) -> Mapping[str, Any]:
    if selection.is_everything:
        return items
    return {match: item for match, item in items.items() if selection.selects(kind, item.key)}


def _feed(digest: Any, key: str, text: str) -> None:
    """Add one item's compact JSON ``text`` to a plan-level fingerprint. Items are fed one
    by one (one JSON text of a 50,000-product store would be hundreds of megabytes at
    once) in a deterministic order, with their keys as built: all a fingerprint needs."""
    digest.update(f"\x01{key}\x01".encode())
    digest.update(text.encode())


class _KindPlanner:
    """Plans one kind, feeding the plan-level fingerprints as it goes (the canonical
    declared items in declaration order, the live items as read in key order)."""

    def __init__(
        self,
        kind: Kind[Any],
        environment: EffectiveEnvironment,
        digest: FileDigest,
        root: Path,
        declared_hash: Any,
        live_hash: Any,
    ) -> None:
        self.kind = kind
        self.root = root
        self.node = rules_of(kind)
        self.prune = environment.prune.get(kind.name, "off")
        self.digest = digest
        self.declared_hash = declared_hash
        self.live_hash = live_hash

    def plan(
        self, wanted: Mapping[str, DeclaredItem], present: Mapping[str, LiveItem]
    ) -> tuple[list[Change], int]:
        changes: list[Change] = []
        unchanged = 0
        self.declared_hash.update(f"\x00{self.kind.name}\x00".encode())
        self.live_hash.update(f"\x00{self.kind.name}\x00".encode())
        for match in sorted(present):
            _feed(self.live_hash, present[match].key, present[match].text)
        for match, item in wanted.items():
            values = declared_item_values(item, self.digest, self.root)
            desired = canonicalize(values, self.node)
            _feed(self.declared_hash, item.key, encode_json(desired))
            current = present.get(match)
            if current is None:
                changes.append(self._create(item, values))
                continue
            # Cheap first: canonicalise only the live values the declaration manages and
            # compare with ==; the differ runs only for items that differ.
            live = current.data
            projected = canonicalize(project(desired, live, self.node), self.node)
            if projected == desired:
                unchanged += 1
                continue
            fields = diff(desired, projected, self.node)
            if fields:
                fields = as_written(fields, values, live, self.node)
                changes.append(self._update(item, values, current, fields))
            else:
                unchanged += 1
        for match, current in present.items():
            if match not in wanted:
                change = self._delete(current)
                if change is not None:
                    changes.append(change)
        return changes, unchanged

    def _title(self, values: Mapping[str, Any], key: str) -> str:
        for name in TITLE_FIELDS:
            value = values.get(name)
            if isinstance(value, str) and value and value != key:
                return value
        return ""

    def _create(self, item: DeclaredItem, desired: dict[str, Any]) -> Change:
        fields = tuple(
            FieldChange((name, ), ABSENT, value)
            for name, value in desired.items()
            if not self.node.child(name).local
        )
        return Change(
            kind=self.kind.name,
            key=item.key,
            action="create",
            title=self._title(desired, item.key),
            fields=fields,
            desired=desired,
            source=_source(item, self.root),
        )

    def _update(
        self,
        item: DeclaredItem,
        desired: dict[str, Any],
        current: LiveItem,
        fields: list[FieldChange],
    ) -> Change:
        return Change(
            kind=self.kind.name,
            key=item.key,
            action="update",
            title=self._title(desired, item.key),
            fields=tuple(fields),
            desired=desired,
            live_ids=dict(current.ids),
            fingerprint=item_fingerprint(self.kind, current.data),
            source=_source(item, self.root),
        )

    def _delete(self, current: LiveItem) -> Change | None:
        if self.prune == "off" or (self.prune == "owned" and not current.owned):
            return None
        live = canonical_live(self.kind, current.data)
        blocked = None
        if live.get("protect") is True:
            blocked = "protect: true — this item is never deleted"
        return Change(
            kind=self.kind.name,
            key=current.key,
            action="delete",
            title=self._title(live, current.key),
            fields=tuple(FieldChange((name,), value, ABSENT) for name, value in live.items()),
            live_ids=dict(current.ids),
            fingerprint=fingerprint(live),
            blocked=blocked,
        )


def _source(item: DeclaredItem, root: Path) -> str:
    """``file:line:column`` of the item's declaration.

    An item that is a whole file (one product per file, the common case at scale) starts
    at the file's first line of content, found by reading a few lines; composing the
    file's YAML node tree (what :meth:`DeclaredItem.locate` does) costs ~50 times more.
    """
    if item.source.path == ():
        try:
            with (root / item.source.file).open(encoding="utf-8") as handle:
                for number, line in enumerate(handle, start=1):
                    content = line.strip()
                    if content and not content.startswith("#") and content != "---":
                        return f"{item.source.file}:{number}:{len(line) - len(line.lstrip()) + 1}"
        except (OSError, UnicodeDecodeError):
            pass
    return str(item.locate())
