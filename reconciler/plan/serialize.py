"""A plan as JSON and back: the versioned shape of ``schemas/plan.schema.json``.

:func:`plan_to_json` gives a JSON-ready dict (what ``--out plan.json`` and ``--format
json`` write); :func:`plan_from_json` reads one back, refusing a ``format_version`` it
does not know and a plan whose ``checksum`` no longer matches its change set (edited by
hand; :func:`plan_identity` is what the checksum covers). ``ABSENT`` sides of a field
change are left out of the JSON. The summary values (``counts``, ``has_changes``, the
safety ``blocked`` verdict and ``violations``, a change's ``secrets``) are derived from
the rest and written for consumers; reading ignores them. Every value read
is checked for its type (and kinds for existing), so a malformed file ends in one
"not a valid plan: <where>: <what>" :class:`ConfigError`; :mod:`reconciler.plan.saved`
checks the meaning of what it says.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reconciler.errors import ConfigError
from reconciler.kinds.registry import kind_names
from reconciler.plan.model import (
    ABSENT,
    FORMAT_VERSION,
    Change,
    FieldChange,
    KindLifecycle,
    KindSafety,
    LeftAlone,
    Plan,
    Safety,
)
from reconciler.plan.secret_refs import secret_references


def _field_json(change: FieldChange) -> dict[str, Any]:
    data: dict[str, Any] = {"path": list(change.path)}
    if change.before is not ABSENT:
        data["before"] = change.before
    if change.after is not ABSENT:
        data["after"] = change.after
    return data


def _change_json(change: Change) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": change.kind,
        "key": change.key,
        "action": change.action,
        "title": change.title,
        "fields": [_field_json(f) for f in change.fields],
    }
    for name in ("desired", "live_ids"):
        value = getattr(change, name)
        if value is not None:
            data[name] = dict(value)
    for name in ("fingerprint", "blocked", "source"):
        value = getattr(change, name)
        if value is not None:
            data[name] = value
    sent = secret_references(change)
    if sent:
        data["secrets"] = [{"path": list(path), "env": variable} for path, variable in sent]
    return data


def _kind_safety_json(kind: KindSafety) -> dict[str, Any]:
    return {
        "kind": kind.kind,
        "live_items": kind.live_items,
        "updates": kind.updates,
        "deletes": kind.deletes,
        "max_update_share": kind.max_update_share,
        "max_delete_share": kind.max_delete_share,
        "min_items": kind.min_items,
        "violations": list(kind.violations),
    }


def _left_alone_json(left: LeftAlone) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": left.kind, "key": left.key, "path": list(left.path), "rule": left.rule,
    }
    if left.live is not ABSENT:
        data["live"] = left.live
    if left.declared is not ABSENT:
        data["declared"] = left.declared
    return data


def plan_body(plan: Plan) -> dict[str, Any]:
    """Everything of :func:`plan_to_json` but the checksum."""
    return {
        "format_version": plan.format_version,
        "environment": plan.environment,
        "store": plan.store,
        "currency": plan.currency,
        "currency_symbol": plan.currency_symbol,
        "created_at": plan.created_at,
        "commit": plan.commit,
        "kinds": list(plan.kinds),
        "selection": list(plan.selection),
        "settings": dict(plan.settings),
        "has_changes": plan.has_changes,
        "counts": plan.counts(),
        "unchanged": dict(plan.unchanged),
        "safety": {
            "blocked": plan.safety.blocked,
            "forced_reason": plan.safety.forced_reason,
            "violations": list(plan.safety.violations),
            "kinds": [_kind_safety_json(k) for k in plan.safety.kinds],
        },
        "changes": [_change_json(c) for c in plan.changes],
        "lifecycle": {
            k.kind: {"create_only": list(k.create_only), "ignore": list(k.ignore),
                     "declared_by": k.declared_by}
            for k in plan.lifecycle
        },
        "left_alone": [_left_alone_json(left) for left in plan.left_alone],
    }


def change_identity(change: Change) -> dict[str, Any]:
    """What makes ``change`` the change it is (part of the plan's checksum): kind, key,
    action, and the field changes, desired values, live ids and fingerprint of the live
    item it touches. A blocked change is never applied: its kind, key, action and reason
    are enough (the protected item's live values may move freely). Its ``title`` follows
    from these, and its ``source`` line moves when other items are declared above it, so
    neither is part of it."""
    data = _change_json(change)
    del data["title"]
    data.pop("source", None)
    if change.blocked is not None:
        return {name: data[name] for name in ("kind", "key", "action", "blocked")}
    return data


def plan_identity(plan: Plan) -> dict[str, Any]:
    """What :attr:`Plan.checksum` covers: the plan's change set (see
    :mod:`reconciler.plan.model`) — never unchanged items, counts, times or commits. Of the
    safety verdict only whether thresholds were exceeded and the ``--force`` reason count
    (the shares depend on how many items the store holds), so an edited verdict does not
    verify."""
    return {
        "format_version": plan.format_version,
        "environment": plan.environment,
        "store": plan.store,
        "kinds": list(plan.kinds),
        "selection": list(plan.selection),
        "settings": dict(plan.settings),
        "safety": {
            "thresholds_exceeded": bool(plan.safety.violations),
            "forced_reason": plan.safety.forced_reason,
        },
        "changes": [change_identity(c) for c in plan.changes],
        # The rules apply's staleness check reads from a saved plan: an edit must not
        # verify (how many items declared such fields is a count, left out).
        "lifecycle": {
            k.kind: {"create_only": list(k.create_only), "ignore": list(k.ignore)}
            for k in plan.lifecycle
        },
    }


def plan_to_json(plan: Plan) -> dict[str, Any]:
    """The plan as a JSON-ready dict, ``checksum`` included."""
    body = plan_body(plan)
    body["checksum"] = plan.checksum
    return body


# --- reading ----------------------------------------------------------------------------


class _Reader:
    """Reads fields of a JSON object, naming the exact place of anything wrong."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, Mapping):
            raise invalid_plan(where, "expected an object")
        self.data = data
        self.where = where

    def get(self, name: str, types: type | tuple[type, ...], default: Any = ABSENT) -> Any:
        if name not in self.data:
            if default is ABSENT:
                raise invalid_plan(f"{self.where}.{name}", "missing")
            return default
        value = self.data[name]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in _tuple(types)):
            raise invalid_plan(
                f"{self.where}.{name}", f"expected {_names(types)}, got {_shown(value)}"
            )
        return value

    def strings(self, name: str, default: Any = ABSENT) -> list[str]:
        """A list of strings."""
        values: list[Any] = self.get(name, list, default)
        for index, value in enumerate(values):
            if not isinstance(value, str):
                raise invalid_plan(
                    f"{self.where}.{name}[{index}]", f"expected a string, got {_shown(value)}"
                )
        return values

    def kind(self, name: str) -> str:
        """The name of a known kind."""
        return _known_kind(self.get(name, str), f"{self.where}.{name}")

    def kinds(self, name: str) -> list[str]:
        """A list of names of known kinds."""
        where = f"{self.where}.{name}"
        return [_known_kind(k, f"{where}[{i}]") for i, k in enumerate(self.strings(name))]

    def counts(self, name: str) -> dict[str, int]:
        """An object of counts (non-negative integers) by kind name."""
        counts = _Reader(self.get(name, dict), f"{self.where}.{name}")
        return {_known_kind(k, f"{counts.where}.{k}"): counts.count(k) for k in counts.data}

    def count(self, name: str) -> int:
        """A non-negative integer."""
        value: int = self.get(name, int)
        if value < 0:
            raise invalid_plan(f"{self.where}.{name}", f"expected a count, got {value}")
        return value

    def share(self, name: str) -> float:
        """A number from 0 to 1."""
        value = self.get(name, (int, float))
        if not 0 <= value <= 1:
            raise invalid_plan(
                f"{self.where}.{name}", f"expected a number from 0 to 1, got {_shown(value)}"
            )
        return float(value)


def _known_kind(value: str, where: str) -> str:
    if value not in kind_names():
        raise invalid_plan(
            where, f"unknown kind {_shown(value)} (kinds are: {', '.join(kind_names())})"
        )
    return value


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _tuple(types: type | tuple[type, ...]) -> tuple[type, ...]:
    return types if isinstance(types, tuple) else (types,)


def _names(types: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "a list", dict: "an object", type(None): "null"}
    return " or ".join(names.get(t, t.__name__) for t in _tuple(types))


def invalid_plan(where: str, problem: str) -> ConfigError:
    """The error for a plan file that is not a plan (``where``: the place in it)."""
    return ConfigError(
        f"not a valid plan: {where}: {problem}",
        hint="use a plan file written by 'stagingpro plan --out', unchanged",
    )


def _field_from(data: Any, where: str) -> FieldChange:
    reader = _Reader(data, where)
    path = reader.get("path", list)
    if not all(isinstance(p, str | int) and not isinstance(p, bool) for p in path):
        raise invalid_plan(f"{where}.path", "expected field names and list positions")
    return FieldChange(
        tuple(path), reader.data.get("before", ABSENT), reader.data.get("after", ABSENT)
    )


def _change_from(data: Any, where: str) -> Change:
    reader = _Reader(data, where)
    action = reader.get("action", str)
    if action not in ("create", "update", "delete"):
        raise invalid_plan(f"{where}.action", f"expected create, update or delete, got {action!r}")
    fields = reader.get("fields", list, [])
    return Change(
        kind=reader.kind("kind"),
        key=reader.get("key", str),
        action=action,
        title=reader.get("title", str, ""),
        fields=tuple(_field_from(f, f"{where}.fields[{i}]") for i, f in enumerate(fields)),
        desired=reader.get("desired", (dict, type(None)), None),
        live_ids=reader.get("live_ids", (dict, type(None)), None),
        fingerprint=reader.get("fingerprint", (str, type(None)), None),
        blocked=reader.get("blocked", (str, type(None)), None),
        source=reader.get("source", (str, type(None)), None),
    )


def _kind_safety_from(data: Any, where: str) -> KindSafety:
    reader = _Reader(data, where)
    return KindSafety(
        kind=reader.kind("kind"),
        live_items=reader.count("live_items"),
        updates=reader.count("updates"),
        deletes=reader.count("deletes"),
        max_update_share=reader.share("max_update_share"),
        max_delete_share=reader.share("max_delete_share"),
        min_items=reader.count("min_items"),
        violations=tuple(reader.strings("violations", [])),
    )


def _lifecycle_from(kind: str, data: Any) -> KindLifecycle:
    reader = _Reader(data, f"plan.lifecycle.{kind}")
    return KindLifecycle(
        kind=kind,
        create_only=tuple(str(p) for p in reader.get("create_only", list, [])),
        ignore=tuple(str(p) for p in reader.get("ignore", list, [])),
        declared_by=reader.get("declared_by", int, 0),
    )


def _left_alone_from(data: Any, where: str) -> LeftAlone:
    reader = _Reader(data, where)
    rule = reader.get("rule", str)
    if rule not in ("create_only", "ignore"):
        raise invalid_plan(f"{where}.rule", f"expected create_only or ignore, got {rule!r}")
    path = reader.get("path", list)
    if not all(isinstance(p, str | int) and not isinstance(p, bool) for p in path):
        raise invalid_plan(f"{where}.path", "expected field names and list positions")
    return LeftAlone(
        kind=reader.get("kind", str),
        key=reader.get("key", str),
        path=tuple(path),
        rule=rule,
        live=reader.data.get("live", ABSENT),
        declared=reader.data.get("declared", ABSENT),
    )


def _commit(reader: _Reader) -> str | None:
    commit: str | None = reader.get("commit", (str, type(None)), None)
    if commit is not None and not re.fullmatch(r"[0-9a-f]{40}([0-9a-f]{24})?", commit):
        raise invalid_plan("plan.commit", f"expected a git commit id, got {_shown(commit)}")
    return commit


def plan_from_json(data: Mapping[str, Any]) -> Plan:
    """The plan written by :func:`plan_to_json`.

    Raises :class:`ConfigError` for an unknown ``format_version``, a malformed plan (naming
    the place) or a ``checksum`` that does not match the content.
    """
    reader = _Reader(data, "plan")
    version = reader.get("format_version", int)
    if version != FORMAT_VERSION:
        raise ConfigError(
            f"this plan has format_version {version}; this StagingPro reads version"
            f" {FORMAT_VERSION} only",
            hint="compute the plan again with this version of StagingPro (stagingpro plan --out)",
        )
    safety = _Reader(reader.get("safety", dict), "plan.safety")
    changes = reader.get("changes", list)
    kinds = reader.kinds("kinds")
    plan = Plan(
        environment=reader.get("environment", str),
        store=reader.get("store", str),
        changes=tuple(_change_from(c, f"plan.changes[{i}]") for i, c in enumerate(changes)),
        unchanged=reader.counts("unchanged"),
        settings=reader.get("settings", dict),
        safety=Safety(
            kinds=tuple(
                _kind_safety_from(k, f"plan.safety.kinds[{i}]")
                for i, k in enumerate(safety.get("kinds", list))
            ),
            forced_reason=safety.get("forced_reason", (str, type(None)), None),
        ),
        kinds=tuple(kinds),
        selection=tuple(reader.strings("selection", [])),
        currency=reader.get("currency", str, ""),
        currency_symbol=reader.get("currency_symbol", str, ""),
        created_at=reader.get("created_at", str, ""),
        commit=_commit(reader),
        format_version=version,
        lifecycle=tuple(
            _lifecycle_from(str(kind), rules)
            for kind, rules in reader.get("lifecycle", dict, {}).items()
        ),
        left_alone=tuple(
            _left_alone_from(left, f"plan.left_alone[{i}]")
            for i, left in enumerate(reader.get("left_alone", list, []))
        ),
    )
    recorded = reader.get("checksum", (str, type(None)), None)
    if recorded is not None and recorded != plan.checksum:
        raise ConfigError(
            "the plan's checksum does not match its content: it was changed after"
            " 'stagingpro plan' wrote it",
            hint="compute the plan again (stagingpro plan --out) instead of editing it",
        )
    return plan
