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
* fields the environment's ``lifecycle`` rules leave alone (:mod:`reconciler.plan.lifecycle`)
  are left out of creates (``ignore``) and of updates (``create_only`` too); the values
  that differ live are recorded as ``left_alone``;
* a live item that is not declared is a **delete** only where the environment's prune
  mode for the kind allows it (``off``: never; ``owned``: only items carrying
  StagingPro's ownership marker; ``all``: every one). A live item whose data says
  ``protect: true`` is shown as a *blocked* delete and never deleted.

Then the changes are put in order (:mod:`reconciler.plan.ordering`), safety thresholds
checked (:mod:`reconciler.plan.safety`) and a ``fingerprint`` taken per updated or deleted
live item (sha256 of its canonical data, without the fields the lifecycle rules leave
alone, so a sale does not change it). Only these touched items are fingerprinted: the
plan's checksum is its change set (:mod:`reconciler.plan.model`), so unchanged live items
and declarations are not part of it. The environment's settings that shape the plan go
with it (:func:`plan_settings`).

Items are compared cheaply first: only the live values a declaration manages are
canonicalised (its projection, :func:`~reconciler.plan.differ.project`) and compared with
``==``; the differ runs only for items that differ, and the whole live item is
canonicalised only for the fingerprint of an update or delete.
"""

from __future__ import annotations

import dataclasses
import gc
import io
import posixpath
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic_core import to_jsonable_python

from reconciler import repo_files
from reconciler.adapters.base import LiveItem
from reconciler.config import EffectiveEnvironment
from reconciler.errors import UnsafeFileError
from reconciler.kinds.base import Kind
from reconciler.kinds.secret_refs import NOT_SHOWN, shield
from reconciler.plan.canonical import (
    FileDigest,
    canonical_live,
    canonicalize,
    declared_values,
    file_digest,
    rules_of,
)
from reconciler.plan.differ import as_written, diff, project
from reconciler.plan.lifecycle import filter_of
from reconciler.plan.model import (
    ABSENT,
    Change,
    FieldChange,
    JsonValue,
    KindLifecycle,
    KindSafety,
    LeftAlone,
    Plan,
)
from reconciler.plan.ordering import ordered
from reconciler.plan.safety import kind_safety, verdict
from reconciler.plan.selection import EVERYTHING, Selection
from reconciler.secrets import allowed_lookup
from reconciler.state.items import DeclaredItem, DeclaredState

LiveState = Mapping[str, Mapping[str, LiveItem]]
"""Live items by kind name, then by :meth:`Kind.match_key` of their natural key."""

THEME_CONTENT_HASH = "content_hash"
"""The digest of a theme's folder and setting overrides (``theme_bundle.theme_digest``)."""
TITLE_FIELDS = ("name", "path", "url", "from_path")
"""Where a change's human label comes from, first found (product and page names …)."""
NOT_PLAN_SETTINGS = frozenset({
    "name", "backend", "protected", "deploy_windows", "notifications", "after", "verify",
    "comes_before",
})
"""The :class:`EffectiveEnvironment` fields that decide where and whether an apply may run,
not what a plan contains; every *other* field (prune, safety, lifecycle, secrets, any added
later) is one of the plan's ``settings`` and so part of its checksum."""


def plan_settings(environment: EffectiveEnvironment) -> dict[str, JsonValue]:
    """The settings of ``environment`` that shape its plans, as JSON (see
    :data:`NOT_PLAN_SETTINGS`): a reviewed plan is not the one applied when they changed."""
    return {
        setting.name: to_jsonable_python(_ordered(getattr(environment, setting.name)))
        for setting in dataclasses.fields(environment)
        if setting.name not in NOT_PLAN_SETTINGS
    }


def _ordered(value: Any) -> Any:
    # A set's iteration order changes from process to process (string hashes are salted):
    # the plan and the apply that checks it must write the same JSON.
    return sorted(value) if isinstance(value, set | frozenset) else value


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

        relative = posixpath.join(
            posixpath.dirname(item.source.file), str(values.get("directory", "."))
        )
        folder = repo_files.directory(root, relative)
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
    lifecycle: list[KindLifecycle] = []
    left_alone: list[LeftAlone] = []
    for kind in covered:
        planner = _KindPlanner(kind, environment, digest, declared.root)
        wanted = _selected(declared.items.get(kind.name, {}), kind, selection)
        everything_live = live.get(kind.name, {})
        present = _selected(everything_live, kind, selection)
        kind_changes, same = planner.plan(wanted, present)
        changes.extend(kind_changes)
        unchanged[kind.name] = same
        if planner.lifecycle:
            lifecycle.append(planner.lifecycle.record(planner.declaring))
            left_alone.extend(planner.left_alone)
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
        settings=plan_settings(environment),
        safety=verdict(safeties, force_reason),
        kinds=tuple(kind.name for kind in covered),
        selection=selection.arguments(),
        currency=info.currency,
        currency_symbol=info.currency_symbol,
        created_at=created_at,
        commit=commit,
        lifecycle=tuple(lifecycle),
        left_alone=tuple(left_alone),
    )


def _selected(
    items: Mapping[str, Any], kind: Kind[Any], selection: Selection
) -> Mapping[str, Any]:
    if selection.is_everything:
        return items
    return {match: item for match, item in items.items() if selection.selects(kind, item.key)}


class _KindPlanner:
    """Plans one kind."""

    def __init__(
        self,
        kind: Kind[Any],
        environment: EffectiveEnvironment,
        digest: FileDigest,
        root: Path,
    ) -> None:
        self.kind = kind
        self.root = root
        self.node = rules_of(kind)
        self.prune = environment.prune.get(kind.name, "off")
        self.digest = digest
        self.lookup = None if kind.secrets_by_declaration else allowed_lookup(environment.secrets)
        self.lifecycle = filter_of(kind.name, environment.lifecycle)
        """The lifecycle rules: fields left alone after create, or always."""
        self.declaring = 0
        """How many declared items set a field those rules leave alone."""
        self.left_alone: list[LeftAlone] = []

    def plan(
        self, wanted: Mapping[str, DeclaredItem], present: Mapping[str, LiveItem]
    ) -> tuple[list[Change], int]:
        changes: list[Change] = []
        unchanged = 0
        alone = (*self.lifecycle.create_only, *self.lifecycle.ignore)
        for match, item in wanted.items():
            values = declared_item_values(item, self.digest, self.root)
            desired = canonicalize(values, self.node)
            if alone and self.lifecycle.declares_any(desired):
                self.declaring += 1
            current = present.get(match)
            if current is None:
                changes.append(self._create(item, self.lifecycle.sendable(values)))
                continue
            # Cheap first: canonicalise only the live values the declaration manages and
            # compare with ==; the differ runs only for items that differ. Fields naming
            # secrets are compared and shown shielded (never a live secret's value).
            live = self._shielded(desired, current.data)
            projected = canonicalize(project(desired, live, self.node), self.node)
            if projected == desired:
                unchanged += 1
                continue
            fields = as_written(diff(desired, projected, self.node), values, live, self.node)
            if alone:  # after as_written, which would bring ignored parts of new entries back
                fields, left = self.lifecycle.split(item.key, fields)
                self.left_alone.extend(left)
            if fields:
                sendable = self.lifecycle.sendable(values)
                changes.append(self._update(item, sendable, current, fields))
            else:
                unchanged += 1
        for match, current in present.items():
            if match not in wanted:
                change = self._delete(current)
                if change is not None:
                    changes.append(change)
        return changes, unchanged

    def _shielded(self, desired: Mapping[str, Any], live: Mapping[str, Any]) -> Mapping[str, Any]:
        """``live`` with the values of fields that name secrets as the plan may compare and
        show them (:func:`~reconciler.kinds.secret_refs.shield`): the declaration, or
        "differs"; ``live`` itself when the kind has no such field declared."""
        names = [n for n in self.kind.secret_fields if n in desired and n in live]
        if not names:
            return live
        shown = dict(live)
        for name in names:
            shown[name] = shield(desired[name], live[name], self.lookup)
        return shown

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
            fingerprint=self.lifecycle.fingerprint(canonical_live(self.kind, current.data)),
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
            fields=tuple(
                FieldChange((name,), _unshown(self.kind, name, value), ABSENT)
                for name, value in live.items()
            ),
            live_ids=dict(current.ids),
            fingerprint=self.lifecycle.fingerprint(live),
            blocked=blocked,
        )


def _unshown(kind: Kind[Any], name: str, value: Any) -> Any:
    """A deleted item's value as the plan shows it: text of a field that may hold secrets
    is not shown (no declaration says where the secrets in it are)."""
    return NOT_SHOWN if name in kind.secret_fields and isinstance(value, str) else value


def _source(item: DeclaredItem, root: Path) -> str:
    """``file:line:column`` of the item's declaration.

    An item that is a whole file (one product per file, the common case at scale) starts
    at the file's first line of content, found by reading a few lines; composing the
    file's YAML node tree (what :meth:`DeclaredItem.locate` does) costs ~50 times more.
    """
    if item.source.path == ():
        try:
            with repo_files.open_file(root, item.source.file) as raw:
                for number, line in enumerate(io.TextIOWrapper(raw, "utf-8"), start=1):
                    content = line.strip()
                    if content and not content.startswith("#") and content != "---":
                        return f"{item.source.file}:{number}:{len(line) - len(line.lstrip()) + 1}"
        except (OSError, UnsafeFileError, UnicodeDecodeError):
            pass
    return str(item.locate())
