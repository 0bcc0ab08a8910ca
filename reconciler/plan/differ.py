"""Field-level differences between a declared item and its live counterpart.

Both sides are canonical JSON (:mod:`reconciler.plan.canonical`). Only what the declared
side holds is compared — its *projection* of the live item:

* a mapping compares the declared keys only (a live field the YAML does not name is not
  managed); a declared key the store did not return counts as "no value";
* a keyed list (``variants`` by SKU …) manages its set of entries: declared entries are
  matched to live ones by key and compared recursively (inside a declared variant only
  its declared fields); a declared entry with no live match is an addition (``before``
  absent); a live entry that is not declared is a removal (``after`` absent);
* any other list of objects (``images``) is matched by position the same way;
* a list of scalars is one value (unordered ones are already sorted).

The differ is built to stay fast when *many* items differ: each subtree is compared with
``==`` (C speed) before it is descended into, so an unchanged item costs one walk of its
declared fields and a changed one only the walk down to what changed. On top of
canonical equality it applies the equivalences of :mod:`reconciler.plan.canonical`
("no value" in any spelling, case-insensitive fields, 0 or false meaning unset).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reconciler.plan.canonical import (
    WILDCARD,
    ListKey,
    Node,
    entry_key,
    match_form,
)
from reconciler.plan.model import ABSENT, Absent, FieldChange, PathPart

_MISSING: Any = ABSENT


def is_empty(value: Any) -> bool:
    """Whether ``value`` means "no value": ``None``, absent, ``""``, ``[]`` or ``{}``."""
    return value is None or value is ABSENT or value == "" or value == [] or value == {}


def _holds_nothing(value: Any) -> bool:
    """Whether ``value`` is "no value" all the way down (``{"a": None, "b": {}}``)."""
    if isinstance(value, Mapping):
        return all(_holds_nothing(inner) for inner in value.values())
    return is_empty(value)


def _same_scalar(declared: Any, live: Any, node: Node) -> bool:
    if is_empty(declared) and is_empty(live):
        return True
    if node.zero_is_unset and (declared in (None, "0") and live in (None, "0", ABSENT)):
        return True
    if node.false_is_unset and declared is False and (live is None or live is False
                                                       or live is ABSENT):
        return True
    if node.case_insensitive and isinstance(declared, str) and isinstance(live, str):
        return declared.casefold() == live.casefold()
    return False


def diff(declared: Mapping[str, Any], live: Mapping[str, Any], node: Node) -> list[FieldChange]:
    """Every difference between the declared item and the live item's projection on it;
    empty when the live item already is as declared."""
    out: list[FieldChange] = []
    _diff_mapping(declared, live, node, (), out)
    return out


def _diff_value(
    declared: Any, live: Any, node: Node, path: tuple[PathPart, ...], out: list[FieldChange]
) -> None:
    if declared == live:
        return
    if isinstance(declared, Mapping):
        if isinstance(live, Mapping):
            _diff_mapping(declared, live, node, path, out)
        elif is_empty(live) and _holds_nothing(declared):
            return  # {"a": None} against no value: nothing either way
        else:
            out.append(FieldChange(path, live, declared))
        return
    if isinstance(declared, list) and isinstance(live, list):
        if node.keyed is not None:
            _diff_keyed(declared, live, node, node.keyed, path, out)
            return
        entry = node.child(WILDCARD)
        if any(isinstance(e, Mapping) for e in declared) or any(
            isinstance(e, Mapping) for e in live
        ):
            _diff_positional(declared, live, entry, path, out)
            return
        if entry.case_insensitive and len(declared) == len(live) and all(
            _same_scalar(d, v, entry) for d, v in zip(declared, live, strict=True)
        ):
            return
    if _same_scalar(declared, live, node):
        return
    out.append(FieldChange(path, live, declared))


def _diff_mapping(
    declared: Mapping[str, Any],
    live: Mapping[str, Any],
    node: Node,
    path: tuple[PathPart, ...],
    out: list[FieldChange],
) -> None:
    children = node.children
    wildcard = children.get(WILDCARD)
    for name, value in declared.items():
        child = children.get(name) or wildcard or _LEAF
        if child.local:
            continue
        if child.hash_field is not None and child.hash_field in declared:
            continue  # a repository file compares by its content hash, not its path
        current = live.get(name, _MISSING)
        if value == current:
            continue
        if current is _MISSING and is_empty(value):
            continue
        _diff_value(value, current, child, (*path, name), out)


def _index(entries: Sequence[Any], key: ListKey) -> dict[str, tuple[str, Any]]:
    """Entries by match form of their key; repeated keys get ``#2``, ``#3`` …"""
    found: dict[str, tuple[str, Any]] = {}
    for entry in entries:
        shown = entry_key(entry, key)
        match = match_form(shown, key)
        if match in found:
            count = 2
            while f"{match}#{count}" in found:
                count += 1
            shown, match = f"{shown}#{count}", f"{match}#{count}"
        found[match] = (shown, entry)
    return found


def _diff_keyed(
    declared: list[Any],
    live: list[Any],
    node: Node,
    key: ListKey,
    path: tuple[PathPart, ...],
    out: list[FieldChange],
) -> None:
    entry_node = node.child(WILDCARD)
    remaining = _index(live, key)
    for match, (shown, wanted) in _index(declared, key).items():
        found = remaining.pop(match, None)
        if found is None:
            out.append(FieldChange((*path, shown), ABSENT, wanted))
        elif isinstance(wanted, Mapping) and isinstance(found[1], Mapping):
            _diff_mapping(wanted, found[1], entry_node, (*path, shown), out)
        else:
            _diff_value(wanted, found[1], entry_node, (*path, shown), out)
    for shown, unwanted in remaining.values():
        out.append(FieldChange((*path, shown), unwanted, ABSENT))


def _diff_positional(
    declared: list[Any],
    live: list[Any],
    entry_node: Node,
    path: tuple[PathPart, ...],
    out: list[FieldChange],
) -> None:
    for index, wanted in enumerate(declared):
        if index >= len(live):
            out.append(FieldChange((*path, index), ABSENT, wanted))
        elif isinstance(wanted, Mapping) and isinstance(live[index], Mapping):
            _diff_mapping(wanted, live[index], entry_node, (*path, index), out)
        else:
            _diff_value(wanted, live[index], entry_node, (*path, index), out)
    for index in range(len(declared), len(live)):
        out.append(FieldChange((*path, index), live[index], ABSENT))


_LEAF = Node()


# --- values at a change's path ----------------------------------------------------------


def value_at(data: Any, path: Sequence[PathPart], node: Node) -> tuple[Any, Node]:
    """The value at ``path`` (a :class:`FieldChange` path) in ``data`` as written — not
    canonicalised — and the rules there; the value is :data:`ABSENT` when it cannot be
    found unambiguously (an entry key that repeats). A keyed list's entry is found by its
    key's match form, a lower-cased mapping key (header names) ignoring case."""
    for step in path:
        if isinstance(data, list):
            key = node.keyed
            if key is not None:
                wanted = match_form(str(step), key)
                found = [e for e in data if match_form(entry_key(e, key), key) == wanted]
                if len(found) != 1:
                    return ABSENT, node
                data = found[0]
            elif isinstance(step, int) and 0 <= step < len(data):
                data = data[step]
            else:
                return ABSENT, node
            node = node.child(WILDCARD)
        elif isinstance(data, Mapping) and isinstance(step, str):
            if node.lower_keys:
                step = next((k for k in data if str(k).lower() == step), step)
            if step not in data:
                return ABSENT, node
            data = data[step]
            node = node.child(step)
        else:
            return ABSENT, node
    return data, node


def as_written(
    changes: Sequence[FieldChange],
    declared: Mapping[str, Any],
    live: Mapping[str, Any],
    node: Node,
) -> list[FieldChange]:
    """``changes`` (found between canonical forms) with their values as written:
    ``after`` from ``declared`` (the values apply sends), ``before`` from ``live`` (as the
    store returned them). A side that cannot be found keeps its canonical value, and so
    does a decimal ``before``: the store answers numbers as floats (``29.0``), which the
    canonical text (``"29"``) states exactly."""
    out = []
    for change in changes:
        before, after = change.before, change.after
        if before is not ABSENT:
            found, at = value_at(live, change.path, node)
            if found is not ABSENT and not at.decimal:
                before = found
        if after is not ABSENT:
            found, _ = value_at(declared, change.path, node)
            if found is not ABSENT:
                after = found
        out.append(FieldChange(change.path, before, after))
    return out


# --- projection and patching (used by tests and by apply's re-checks) ---------------------


def project(declared: Any, live: Any, node: Node) -> Any:
    """The live value restricted to what ``declared`` manages (module docstring): equal
    to ``declared`` exactly when the item is unchanged under canonical equality.

    Undeclared entries of a managed list are kept whole (they are removals), so the
    projection then differs from the declared value.
    """
    if isinstance(declared, dict) and isinstance(live, dict):
        if node.lower_keys:  # declared keys are lower-cased already; the store's as written
            live = {str(k).lower(): v for k, v in live.items()}
        result: dict[str, Any] = {}
        children = node.children
        wildcard = children.get(WILDCARD, _LEAF)
        for name, value in declared.items():
            child = children.get(name, wildcard)
            if child.local or (child.hash_field is not None and child.hash_field in declared):
                result[name] = value
            elif name in live:
                current = live[name]
                if isinstance(value, dict | list) and isinstance(current, dict | list):
                    result[name] = project(value, current, child)
                else:
                    result[name] = current
        return result
    if isinstance(declared, list) and isinstance(live, list):
        entry = node.child(WILDCARD)
        if node.keyed is not None:
            key = node.keyed
            wanted = {match_form(entry_key(e, key), key): e for e in declared}
            return [
                project(wanted[m], e, entry) if (m := match_form(entry_key(e, key), key)) in wanted
                else e
                for e in live
            ]
        if any(isinstance(e, dict) for e in declared):
            return [
                project(declared[i], e, entry) if i < len(declared) else e
                for i, e in enumerate(live)
            ]
    return live


def apply_changes(live: Mapping[str, Any], changes: Sequence[FieldChange], node: Node) -> Any:
    """``live`` with every change's ``after`` written at its path (``ABSENT`` removes):
    what the store holds once a plan's update is applied."""
    result: Any = _copy(live)
    for change in changes:
        result = _set(result, change.path, change.after, node)
    return result


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


def _set(container: Any, path: tuple[PathPart, ...], value: Any | Absent, node: Node) -> Any:
    step, rest = path[0], path[1:]
    if not isinstance(container, list) and (node.keyed is not None or isinstance(step, int)):
        container = []
    if isinstance(container, list) and node.keyed is not None:
        key = node.keyed
        match = match_form(str(step), key)
        position = next(
            (i for i, e in enumerate(container) if match_form(entry_key(e, key), key) == match),
            None,
        )
        entry_node = node.child(WILDCARD)
        if not rest:
            if position is not None:
                container.pop(position)
            if value is not ABSENT:
                container.append(_copy(value))
            return container
        assert position is not None, f"no entry {step!r} to change"
        container[position] = _set(container[position], rest, value, entry_node)
        return container
    if isinstance(container, list):
        index = int(step)
        entry_node = node.child(WILDCARD)
        if not rest:
            if value is ABSENT:
                del container[index:]
            elif index < len(container):
                container[index] = _copy(value)
            else:
                container.append(_copy(value))
            return container
        container[index] = _set(container[index], rest, value, entry_node)
        return container
    if not isinstance(container, dict):
        container = {}
    name = str(step)
    if not rest:
        if value is ABSENT:
            container.pop(name, None)
        else:
            container[name] = _copy(value)
        return container
    container[name] = _set(container.get(name), rest, value, node.child(name))
    return container
