"""Plain-words messages for invalid items, built from pydantic errors and JSON Schema.

Pydantic says "Input should be a valid decimal"; a merchandiser needs "price: expected a
number ≥ 0, got 'free'". :func:`explain` turns each pydantic error into the field path
where it belongs (so the loader can point at its line and column) and a message that
says what was expected, using the model's own JSON Schema for types, bounds, lengths and
enum values, and :mod:`difflib` to suggest the field meant by an unknown one.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from reconciler.kinds.base import FieldPath

JsonSchema = Mapping[str, Any]


@dataclass(frozen=True)
class FieldError:
    """One error inside an item: where (``path``; ``at_key`` for the key itself) and what."""

    path: FieldPath
    message: str
    at_key: bool = False
    missing: bool = False
    suggestion: str | None = None
    """For an unknown field: the known field it probably means."""
    first: FieldPath | None = None
    """For a repeated entry: where the entry it repeats is."""


@cache
def model_schema(model: type[BaseModel]) -> JsonSchema:
    """The model's validation JSON Schema (cached: it is only needed for messages)."""
    return model.model_json_schema(mode="validation")


def explain(error: ValidationError, data: Any, model: type[BaseModel]) -> list[FieldError]:
    """Every error of ``error`` as a :class:`FieldError` against the raw ``data``."""
    root = model_schema(model)
    explained = [_explain_one(detail, data, root) for detail in error.errors(include_url=False)]
    # "unknown field 'pirce' — did you mean 'price'?" already says what to do about the
    # missing 'price'; a second message for it would only add noise.
    suggested = {(*e.path[:-1], e.suggestion) for e in explained if e.suggestion is not None}
    return [e for e in explained if not (e.missing and e.path in suggested)]


def _explain_one(detail: ErrorDetails, data: Any, root: JsonSchema) -> FieldError:
    path = data_path(detail["loc"], data)
    kind = detail["type"]
    name = ".".join(str(step) for step in path)
    if kind == "extra_forbidden" and path:
        known = sorted(_properties(_schema_at(root, path[:-1]), root))
        field = str(path[-1])
        close = difflib.get_close_matches(field, known, n=1, cutoff=0.6)
        return FieldError(
            path,
            unknown_field_message(field, known),
            at_key=True,
            suggestion=close[0] if close else None,
        )
    schema = _schema_at(root, path)
    expected = describe(schema, root) if schema is not None else ""
    if kind == "missing":
        what = f" ({expected})" if expected else ""
        missing = path[-1] if path else ""
        return FieldError(path, f"missing required field '{missing}'{what}", missing=True)
    prefix = f"{name}: " if name else ""
    if kind in {"value_error", "assertion_error"}:
        message = (
            str(detail["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
        )
        return FieldError(path, prefix + message, first=_first(detail, data))
    if not expected or (kind in {"model_type", "dict_type"} and not path):
        expected = _from_pydantic(detail)
    if kind == "string_pattern_mismatch":
        pattern = (detail.get("ctx") or {}).get("pattern", "")
        expected = f"text matching the pattern {pattern}"
    got = shown(detail["input"])
    if kind in {"string_too_long", "string_too_short"} and isinstance(detail["input"], str):
        got += f" ({len(detail['input'])} characters)"
    return FieldError(path, f"{prefix}expected {expected}, got {got}")


def entry_named(error: FieldError, data: Any, keys: Mapping[str, tuple[str, ...]]) -> FieldPath:
    """Where to point an error a list-level check raised about one entry.

    Checks across a list's entries (variants against options) fail on the whole list,
    but their messages name the entry (``variant TRAIL-01-GRN: ...``). When the list
    has key fields (``keys``, the kind's ``merge_keys``) and the message names exactly
    one entry's key (every one of its fields), the error belongs at that entry.
    """
    path = error.path
    if len(path) != 1 or not isinstance(data, Mapping) or path[0] not in keys:
        return path
    entries = data.get(path[0])
    if not isinstance(entries, list):
        return path
    by = keys[str(path[0])]
    named = [
        index
        for index, entry in enumerate(entries)
        if isinstance(entry, Mapping)
        and all(
            isinstance(entry.get(f), str)
            and re.search(rf"(?<![\w-]){re.escape(entry[f])}(?![\w-])", error.message)
            for f in by
        )
    ]
    return (*path, named[0]) if len(named) == 1 else path


def unknown_field_message(field: str, known: Sequence[str]) -> str:
    """``unknown field 'pirce' — did you mean 'price'?`` (or the list of known fields)."""
    close = difflib.get_close_matches(field, known, n=1, cutoff=0.6)
    if close:
        return f"unknown field '{field}' — did you mean '{close[0]}'?"
    listed = ", ".join(known)
    return (
        f"unknown field '{field}'; expected one of: {listed}"
        if known
        else (f"unknown field '{field}'")
    )


def data_path(loc: Sequence[str | int], data: Any) -> FieldPath:
    """Map a pydantic ``loc`` onto the raw data, dropping union/validator tags."""
    path: list[str | int] = []
    node = data
    for index, step in enumerate(loc):
        last = index == len(loc) - 1
        in_list = isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node)
        if in_list or (isinstance(node, Mapping) and step in node):
            path.append(step)
            node = node[step]
        elif isinstance(node, Mapping) and isinstance(step, str) and last:
            path.append(step)  # a missing field: one step beyond the data
    return tuple(path)


def _first(detail: ErrorDetails, data: Any) -> FieldPath | None:
    """Where the entry a repeat repeats is (``Problems.repeats`` in the kinds' fields):
    its ``first`` location, put below the same base as the error's own."""
    context = detail.get("ctx") or {}
    at, first = context.get("at"), context.get("first")
    if at is None or first is None:
        return None
    loc, at = tuple(detail["loc"]), tuple(at)
    if loc[len(loc) - len(at) :] != at:
        return None
    return data_path((*loc[: len(loc) - len(at)], *first), data)


def _from_pydantic(detail: ErrorDetails) -> str:
    msg = str(detail["msg"])
    return msg.removeprefix("Input should be ").rstrip(".") or msg


def shown(value: Any) -> str:
    """A value as the user wrote it in YAML, shortened for messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return repr(text)
    return str(value)


# --- JSON Schema walking -------------------------------------------------------------


def _deref(schema: JsonSchema, root: JsonSchema) -> JsonSchema:
    seen = 0
    while "$ref" in schema and seen < 20:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        merged = dict(root.get("$defs", {}).get(name, {}))
        merged.update({k: v for k, v in schema.items() if k != "$ref"})
        schema = merged
        seen += 1
    return schema


def _branches(schema: JsonSchema, root: JsonSchema) -> list[JsonSchema]:
    schema = _deref(schema, root)
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            found: list[JsonSchema] = []
            for branch in schema[combinator]:
                found.extend(_branches(branch, root))
            return found
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _branches(schema["allOf"][0], root)
    return [schema]


def _schema_at(root: JsonSchema, path: FieldPath) -> JsonSchema | None:
    schema: JsonSchema | None = root
    for step in path:
        if schema is None:
            return None
        following: JsonSchema | None = None
        for branch in _branches(schema, root):
            if isinstance(step, str) and branch.get("type") == "object":
                props = branch.get("properties", {})
                extra = branch.get("additionalProperties")
                following = props.get(step) or (extra if isinstance(extra, Mapping) else None)
            elif isinstance(step, int) and branch.get("type") == "array":
                following = branch.get("items")
            if following is not None:
                break
        schema = following
    return schema


def _properties(schema: JsonSchema | None, root: JsonSchema) -> list[str]:
    if schema is None:
        return []
    names: list[str] = []
    for branch in _branches(schema, root):
        names.extend(branch.get("properties", {}))
    return names


def describe(schema: JsonSchema, root: JsonSchema) -> str:
    """What a schema accepts, in plain words: ``a number ≥ 0``, ``one of 'a', 'b'``."""
    branches = [b for b in _branches(schema, root) if b.get("type") != "null"]
    numeric = any(b.get("type") in {"number", "integer"} for b in branches)
    if numeric:  # pydantic's Decimal is "number or numeric string": say "a number"
        branches = [
            b
            for b in branches
            if not (b.get("type") == "string" and not {"enum", "const", "format"} & set(b))
        ]
    parts: list[str] = []
    for branch in branches:
        text = _describe_one(branch, root)
        if text and text not in parts:
            parts.append(text)
    return " or ".join(parts)


_BOUNDS = (
    ("minimum", "≥"),
    ("exclusiveMinimum", ">"),
    ("maximum", "≤"),
    ("exclusiveMaximum", "<"),
)

_FORMATS = {
    "uri": "a URL",
    "email": "an e-mail address",
    "date": "a date (YYYY-MM-DD)",
    "date-time": "a date and time (ISO 8601)",
    "uuid": "a UUID",
}


def _describe_one(schema: JsonSchema, root: JsonSchema) -> str:
    if "enum" in schema:
        return "one of " + ", ".join(_literal(v) for v in schema["enum"])
    if "const" in schema:
        return _literal(schema["const"])
    kind = schema.get("type")
    if kind in {"number", "integer"}:
        text = "a whole number" if kind == "integer" else "a number"
        bounds = [f"{sign} {_number(schema[key])}" for key, sign in _BOUNDS if key in schema]
        return text + (" " + " and ".join(bounds) if bounds else "")
    if kind == "string":
        if schema.get("format") in _FORMATS:
            return _FORMATS[str(schema["format"])]
        limits: list[str] = []
        if "minLength" in schema and schema["minLength"] > 0:
            limits.append(f"at least {schema['minLength']}")
        if "maxLength" in schema:
            limits.append(f"at most {schema['maxLength']}")
        text = "text"
        if limits:
            text += " of " + " and ".join(limits) + " characters"
        return text
    if kind == "boolean":
        return "true or false"
    if kind == "array":
        items = schema.get("items")
        inner = describe(items, root) if isinstance(items, Mapping) else ""
        text = f"a list of {inner}" if inner else "a list"
        if "maxItems" in schema:
            text += f" (at most {schema['maxItems']})"
        return text
    if kind == "object":
        return "a mapping"
    return ""


def _literal(value: Any) -> str:
    return repr(value) if isinstance(value, str) else shown(value)


def _number(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
