"""Per-environment overlays: ``environments/<env>/overlay.yaml``.

An overlay changes base items by natural key for one environment::

    patch:
      products:             # kind plural or singular name
        TRAIL-01:           # natural key as written in the base
          price: 79.00
    remove:
      pages: [/holiday-sale/]

Patch semantics (:func:`merge`): mappings deep-merge; a list named in the kind's
``merge_keys`` merges its entries by that key, one field or several together (price-list
records by ``sku`` + ``currency``; entries with a new key are appended);
any other list replaces the declared one; ``null`` unsets a field, which is then no
longer managed in that environment. Every value a patch writes keeps its origin, so an
error in a patched value is reported at the overlay's line, not the base file's.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from reconciler.errors import Problem
from reconciler.kinds.base import FieldPath, Kind
from reconciler.state.positions import Positions

Origins = dict[FieldPath, tuple[str, FieldPath]]
"""Field path inside an item → (file, path inside that file's document) of its value."""


@dataclass(frozen=True)
class PatchEntry:
    """``patch: <kind>: <key>: {...}``; ``document_path`` points at the patch mapping."""

    kind: Kind[Any]
    key: str
    data: Mapping[str, Any]
    file: str
    document_path: FieldPath


@dataclass(frozen=True)
class RemoveEntry:
    """``remove: <kind>: [<key>, ...]``; ``document_path`` points at the key."""

    kind: Kind[Any]
    key: str
    file: str
    document_path: FieldPath


@dataclass(frozen=True)
class Overlay:
    """One environment's overlay file, parsed and checked for shape."""

    environment: str
    file: str
    patches: tuple[PatchEntry, ...] = ()
    removals: tuple[RemoveEntry, ...] = ()


def spellings(kind: Kind[Any]) -> tuple[str, ...]:
    """How an overlay may name a kind: plural or singular, ``_`` or ``-``."""
    names = (kind.plural, kind.name)
    return tuple(dict.fromkeys((*names, *(n.replace("_", "-") for n in names))))


@dataclass
class _Parser:
    environment: str
    file: str
    kinds: Sequence[Kind[Any]]
    positions: Positions
    problems: list[Problem] = field(default_factory=list)

    def problem(self, path: FieldPath, message: str, *, at_key: bool = False) -> None:
        place = self.positions.locate(self.file, path, key=at_key)
        self.problems.append(Problem(self.file, place.line, place.column, message))

    def kind(self, section: str, name: Any) -> Kind[Any] | None:
        for kind in self.kinds:
            if name in spellings(kind):
                return kind
        names = [k.plural for k in self.kinds]
        close = difflib.get_close_matches(str(name), names + [k.name for k in self.kinds], n=1)
        listed = f"; expected one of {', '.join(names)}"
        hint = f" — did you mean '{close[0]}'?" if close else listed
        self.problem((section, name), f"unknown kind '{name}'{hint}", at_key=True)
        return None


def parse_overlay(
    environment: str,
    file: str,
    data: Any,
    kinds: Sequence[Kind[Any]],
    positions: Positions,
) -> tuple[Overlay, list[Problem]]:
    """Check an overlay's shape and list its patch and remove entries."""
    parser = _Parser(environment, file, kinds, positions)
    if data is None:
        return Overlay(environment, file), []
    if not isinstance(data, Mapping):
        parser.problem((), "an overlay is a mapping with 'patch:' and/or 'remove:'")
        return Overlay(environment, file), parser.problems
    for section in data:
        if section not in {"patch", "remove"}:
            close = difflib.get_close_matches(str(section), ["patch", "remove"], n=1)
            hint = f" — did you mean '{close[0]}'?" if close else "; expected 'patch' or 'remove'"
            parser.problem((section,), f"unknown overlay section '{section}'{hint}", at_key=True)
    patches = _patches(parser, data.get("patch"))
    removals = _removals(parser, data.get("remove"))
    return Overlay(environment, file, tuple(patches), tuple(removals)), parser.problems


def _patches(parser: _Parser, section: Any) -> list[PatchEntry]:
    if section is None:
        return []
    if not isinstance(section, Mapping):
        parser.problem(("patch",), "'patch:' maps kinds to {natural key: changes}")
        return []
    entries: list[PatchEntry] = []
    for name, by_key in section.items():
        kind = parser.kind("patch", name)
        if kind is None:
            continue
        if not isinstance(by_key, Mapping):
            parser.problem(
                ("patch", name), f"'{name}:' maps each {kind.name}'s natural key to its changes"
            )
            continue
        for key, changes in by_key.items():
            path: FieldPath = ("patch", name, key)
            if not isinstance(changes, Mapping):
                hint = " (to delete it here, list it under 'remove:')" if changes is None else ""
                parser.problem(
                    path, f"a patch of {kind.name} {key} must be a mapping of fields{hint}"
                )
                continue
            entries.append(PatchEntry(kind, str(key), changes, parser.file, path))
    return entries


def _removals(parser: _Parser, section: Any) -> list[RemoveEntry]:
    if section is None:
        return []
    if not isinstance(section, Mapping):
        parser.problem(("remove",), "'remove:' maps kinds to lists of natural keys")
        return []
    entries: list[RemoveEntry] = []
    for name, keys in section.items():
        kind = parser.kind("remove", name)
        if kind is None:
            continue
        if not isinstance(keys, list):
            parser.problem(("remove", name), f"'{name}:' lists the natural keys to remove")
            continue
        for index, key in enumerate(keys):
            if isinstance(key, Mapping | list) or key is None:
                parser.problem(("remove", name, index), f"expected a {kind.name} natural key")
                continue
            entries.append(RemoveEntry(kind, str(key), parser.file, ("remove", name, index)))
    return entries


@dataclass
class MergeProblem:
    """A patch that cannot be applied as written (at ``document_path`` in the overlay)."""

    document_path: FieldPath
    message: str


def merge(
    base: Mapping[str, Any],
    patch: Mapping[str, Any],
    *,
    merge_keys: Mapping[str, tuple[str, ...]],
    file: str,
    document_path: FieldPath,
    origins: Origins,
) -> tuple[dict[str, Any], list[MergeProblem]]:
    """``base`` with ``patch`` applied (see the module docstring); records ``origins``."""
    problems: list[MergeProblem] = []
    merged = _merge_mapping(base, patch, (), document_path, file, merge_keys, origins, problems)
    return merged, problems


def _merge_mapping(
    base: Mapping[str, Any],
    patch: Mapping[Any, Any],
    path: FieldPath,
    source: FieldPath,
    file: str,
    merge_keys: Mapping[str, tuple[str, ...]],
    origins: Origins,
    problems: list[MergeProblem],
) -> dict[str, Any]:
    result = dict(base)
    for name, value in patch.items():
        here, there = (*path, name), (*source, name)
        current = result.get(name)
        if value is None:
            result.pop(name, None)
            _forget(origins, here)
        elif isinstance(value, Mapping) and isinstance(current, Mapping):
            result[name] = _merge_mapping(
                current, value, here, there, file, merge_keys, origins, problems
            )
        elif (
            not path
            and name in merge_keys
            and isinstance(value, list)
            and isinstance(current, list)
        ):
            result[name] = _merge_list(
                current, value, merge_keys[name], here, there, file, origins, problems
            )
        else:
            result[name] = value
            _forget(origins, here)
            origins[here] = (file, there)
    return result


def _merge_list(
    base: list[Any],
    patch: list[Any],
    by: tuple[str, ...],
    path: FieldPath,
    source: FieldPath,
    file: str,
    origins: Origins,
    problems: list[MergeProblem],
) -> list[Any]:
    result = list(base)
    index_of = {
        _entry_key(entry, by): i for i, entry in enumerate(base) if isinstance(entry, Mapping)
    }
    for offset, entry in enumerate(patch):
        there = (*source, offset)
        if not isinstance(entry, Mapping) or any(entry.get(f) is None for f in by):
            needs = " and ".join(f"'{f}:'" for f in by)
            problems.append(
                MergeProblem(
                    there,
                    f"each entry patching '{path[-1]}' needs {needs} to name the entry it changes",
                )
            )
            continue
        target = index_of.get(_entry_key(entry, by))
        if target is None:
            index_of[_entry_key(entry, by)] = len(result)
            origins[(*path, len(result))] = (file, there)
            result.append(dict(entry))
        else:
            # The key only names the entry (matched ignoring case): the base keeps its
            # spelling, so a patch never renames what it merely changes.
            changes = {name: value for name, value in entry.items() if name not in by}
            result[target] = _merge_mapping(
                result[target], changes, (*path, target), there, file, {}, origins, problems
            )
    return result


def _entry_key(entry: Mapping[str, Any], by: tuple[str, ...]) -> tuple[str, ...]:
    # Merge keys are SKUs and similar identifiers, which BigCommerce compares ignoring case.
    return tuple(str(entry.get(f)).casefold() for f in by)


def _forget(origins: Origins, path: FieldPath) -> None:
    """Drop origins recorded below ``path`` (a value there was replaced or unset)."""
    for known in [p for p in origins if p[: len(path)] == path]:
        del origins[known]
