"""A plan as JSON and back: the versioned shape of ``schemas/plan.schema.json``.

:func:`plan_to_json` gives a JSON-ready dict (what ``--out plan.json`` and ``--format
json`` write); :func:`plan_from_json` reads one back, refusing a ``format_version`` it
does not know and a plan whose ``checksum`` no longer matches its content (edited by
hand). ``ABSENT`` sides of a field change are left out of the JSON. The summary values
(``counts``, ``has_changes``, the safety ``blocked`` verdict and ``violations``) are
derived from the rest and written for consumers; reading ignores them. Every value read
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
    KindSafety,
    Plan,
    Safety,
)


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


def plan_body(plan: Plan) -> dict[str, Any]:
    """Everything of :func:`plan_to_json` but the checksum (what the checksum covers,
    together with ``created_at`` and ``commit``, which it then leaves out)."""
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
        "declared_fingerprint": plan.declared_fingerprint,
        "live_fingerprint": plan.live_fingerprint,
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
        declared_fingerprint=reader.get("declared_fingerprint", str),
        live_fingerprint=reader.get("live_fingerprint", str),
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
    )
    recorded = reader.get("checksum", (str, type(None)), None)
    if recorded is not None and recorded != plan.checksum:
        raise ConfigError(
            "the plan's checksum does not match its content: it was changed after"
            " 'stagingpro plan' wrote it",
            hint="compute the plan again (stagingpro plan --out) instead of editing it",
        )
    return plan
