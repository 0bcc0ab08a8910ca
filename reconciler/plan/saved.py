"""Saved plans are data from outside: read them as such.

A plan file (``stagingpro plan --out``) can be edited by anyone who can write the file,
and its ``checksum`` is a plain sha256 that anyone can recompute after an edit. So a plan
file is read (:func:`read_plan_file`) with every value checked as if it were typed by a
stranger:

* the JSON holds finite numbers only, and its shape is the plan schema's
  (:func:`reconciler.plan.serialize.plan_from_json`, naming the place of a problem);
* each change's ``desired`` values pass the kind's model, as declared YAML must
  (:func:`check_desired`), its key is the one those values declare, and repository file
  paths in it stay inside the state directory;
* the plan is **bound** to what was reviewed: with a key in ``$STAGINGPRO_PLAN_KEY``,
  ``plan --out`` adds an HMAC-SHA256 ``signature`` over the checksum (which covers the
  environment, the store, every change and the live ids and fingerprints it read) and the
  commit, and a plan read while the key is set must carry a signature that verifies.
  Without a key a plan is not :attr:`SavedPlan.signed`, and apply re-derives it instead:
  it plans again and applies only when that gives the same checksum
  (:mod:`reconciler.apply.run`).

Apply then checks the rest against the live store before any write: the items' fingerprints
(:func:`reconciler.apply.live.check_fresh`) and that each store id in the plan is the id of
the item with that key (:func:`reconciler.apply.live.check_ids`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reconciler import finite_json
from reconciler.errors import ConfigError, PlanStaleError
from reconciler.kinds.base import Kind
from reconciler.kinds.registry import kind_named
from reconciler.plan.build import THEME_CONTENT_HASH
from reconciler.plan.canonical import WILDCARD, Node, rules_of
from reconciler.plan.model import Change, Plan
from reconciler.plan.selection import Selection
from reconciler.plan.serialize import invalid_plan, plan_from_json, plan_to_json

PLAN_KEY_ENV = "STAGINGPRO_PLAN_KEY"
"""The environment variable holding the key that signs and verifies saved plans."""

_SIGNED_AS = "stagingpro-plan-v1"


@dataclass(frozen=True)
class SavedPlan:
    """A plan read from a file. ``signed``: its signature verified with the key in
    ``$STAGINGPRO_PLAN_KEY``; otherwise apply must re-derive it before writing."""

    plan: Plan
    signed: bool


def plan_key() -> bytes | None:
    """The signing key from ``$STAGINGPRO_PLAN_KEY``; ``None`` when unset or empty."""
    value = os.environ.get(PLAN_KEY_ENV, "")
    return value.encode() if value else None


def signature(plan: Plan, key: bytes) -> str:
    """HMAC-SHA256 over the plan's checksum and commit."""
    message = f"{_SIGNED_AS}\n{plan.checksum}\n{plan.commit or ''}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signed_json(plan: Plan) -> dict[str, Any]:
    """:func:`plan_to_json`, with a ``signature`` when ``$STAGINGPRO_PLAN_KEY`` is set."""
    data = plan_to_json(plan)
    key = plan_key()
    if key is not None:
        data["signature"] = signature(plan, key)
    return data


def read_plan_file(path: Path) -> SavedPlan:
    """The plan in ``path``, checked (module docstring).

    Raises :class:`ConfigError` for a file that is not a valid plan and
    :class:`PlanStaleError` for one whose checksum or signature does not verify.
    """
    try:
        data = finite_json.loads(path.read_bytes())
    except OSError as error:
        raise ConfigError(f"cannot read the plan {path}: {error.strerror or error}",
                          hint="write it with: stagingpro plan ENV --out plan.json") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise invalid_plan(str(path), str(error)) from None
    if not isinstance(data, dict) or not isinstance(data.get("checksum"), str):
        raise PlanStaleError(f"{path} carries no checksum, so it cannot be verified",
                             hint="write it with: stagingpro plan ENV --out plan.json")
    recorded = data["checksum"]
    plan = plan_from_json({**data, "checksum": None})
    if plan.checksum != recorded:
        raise PlanStaleError(
            f"{path}: the plan's checksum does not verify: it was changed after it was made",
            hint="plan again with stagingpro plan ENV --out plan.json and review it",
        )
    selection_of(plan)
    for index, change in enumerate(plan.changes):
        check_desired(change, f"plan.changes[{index}]")
    return SavedPlan(plan, _verify_signature(path, plan, data.get("signature")))


def _verify_signature(path: Path, plan: Plan, found: Any) -> bool:
    key = plan_key()
    if key is None:
        return False
    if not isinstance(found, str):
        raise PlanStaleError(
            f"{path} is not signed, and ${PLAN_KEY_ENV} is set: only signed plans are applied",
            hint=f"make the plan with ${PLAN_KEY_ENV} set: stagingpro plan"
            f" {plan.environment} --out plan.json",
        )
    if not hmac.compare_digest(found.encode(), signature(plan, key).encode()):
        raise PlanStaleError(
            f"{path}: the plan's signature does not verify: it was changed after it was"
            f" made, or signed with another key than the one in ${PLAN_KEY_ENV}",
            hint=f"plan again (stagingpro plan {plan.environment} --out plan.json) and review"
            " the new plan",
        )
    return True


def selection_of(plan: Plan) -> Selection:
    """The ``--only``/``--exclude`` selection ``plan`` was made with (its ``selection``)."""
    only: list[str] = []
    exclude: list[str] = []
    for index, argument in enumerate(plan.selection):
        option, _, rule = argument.partition(" ")
        if option not in ("--only", "--exclude") or not rule:
            raise invalid_plan(
                f"plan.selection[{index}]", f"expected --only RULE or --exclude RULE, got"
                f" {argument[:60]!r}"
            )
        (only if option == "--only" else exclude).append(rule)
    try:
        return Selection.parse(only, exclude)
    except ConfigError as error:
        raise invalid_plan("plan.selection", error.message) from None


def check_desired(change: Change, where: str) -> None:
    """Refuse ``desired`` values that the kind's model refuses, that belong to another key
    than the change's, or whose repository file paths leave the state directory."""
    if change.action == "delete":
        return
    if change.desired is None:
        raise invalid_plan(f"{where}.desired", f"{change.action} {change.key}: no values")
    kind = kind_named(change.kind)
    declared = _without_resolved(kind, change.desired, where)
    try:
        model = kind.model.model_validate(declared)
    except ValidationError as error:
        first = error.errors()[0]
        place = ".".join(str(step) for step in first["loc"])
        raise invalid_plan(f"{where}.desired.{place}", first["msg"]) from None
    if kind.match_key(kind.key(model)) != kind.match_key(change.key):
        raise invalid_plan(
            f"{where}.desired",
            f"the values are those of {kind.name} {kind.key(model)!r}, not of {change.key!r}",
        )


def _without_resolved(
    kind: Kind[Any], desired: Mapping[str, Any], where: str
) -> dict[str, Any]:
    """``desired`` without what planning added to the declared values: the sha256 of each
    repository file (whose path must stay inside the state directory) and a theme's
    ``content_hash``."""
    data = dict(_strip_hashes(desired, rules_of(kind), f"{where}.desired"))
    if kind.name == "theme":
        data.pop(THEME_CONTENT_HASH, None)
    return data


def _strip_hashes(value: Any, node: Node, where: str) -> Any:
    if not node.files_below:
        return value
    if isinstance(value, Mapping):
        result = dict(value)
        for name, child in node.children.items():
            if name not in result:
                continue
            if child.hash_field is not None:
                result.pop(child.hash_field, None)
                _check_inside(result[name], f"{where}.{name}")
            else:
                result[name] = _strip_hashes(result[name], child, f"{where}.{name}")
        return result
    if isinstance(value, list):
        entry = node.child(WILDCARD)
        return [_strip_hashes(v, entry, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def _check_inside(path: Any, where: str) -> None:
    if not isinstance(path, str) or "://" in path:
        return  # a URL, or a wrong type the model names
    normal = posixpath.normpath(path)
    if posixpath.isabs(normal) or normal == ".." or normal.startswith("../") or "\\" in path:
        raise invalid_plan(where, f"{path!r} is outside the state directory")
