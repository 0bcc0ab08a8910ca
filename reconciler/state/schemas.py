"""JSON Schema (draft 2020-12) for every YAML file of the declared state.

Editors with the YAML language server validate and complete a file as it is typed when
it starts with ``# yaml-language-server: $schema=<relative path>``. The schemas are
generated from the same pydantic models the loader validates with, so they cannot
disagree about fields, types, bounds or enum values:

* ``<plural>.schema.json`` per kind (``_`` written ``-``): one item, or ``{plural: [...]}``;
* ``stagingpro.schema.json`` for ``stagingpro.yaml``;
* ``overlay.schema.json`` for ``environments/<env>/overlay.yaml``: patch values have
  every field optional (nothing required) and accept ``null`` to unset a field;
* ``plan.schema.json``, the saved plan's JSON shape (from :mod:`reconciler.plan.schema`).

Output is deterministic (sorted keys, two-space indent, trailing newline), so a test can
compare the committed ``schemas/`` with a fresh generation.
"""

from __future__ import annotations

import copy
import json
import posixpath
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel

from reconciler.config import ProjectConfig
from reconciler.kinds.base import Kind
from reconciler.kinds.registry import KINDS
from reconciler.state import documents, overlays

DRAFT = "https://json-schema.org/draft/2020-12/schema"
HEADER_PREFIX = "# yaml-language-server: $schema="
CONFIG_SCHEMA = "stagingpro.schema.json"
OVERLAY_SCHEMA = "overlay.schema.json"
NUMERIC_TEXT = r"^[-+]?(\d+(\.\d*)?|\.\d+)$"


def kind_schema_name(kind: Kind[Any]) -> str:
    """``products.schema.json``, ``price-lists.schema.json``."""
    return f"{kind.plural.replace('_', '-')}.schema.json"


def render(schema: Mapping[str, Any]) -> str:
    """The canonical text of a schema file."""
    return json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def generate(kinds: Sequence[Kind[Any]] = KINDS) -> dict[str, str]:
    """Every schema file: file name → content."""
    files = {kind_schema_name(kind): render(kind_schema(kind)) for kind in kinds}
    files[CONFIG_SCHEMA] = render(_document(ProjectConfig, "stagingpro.yaml"))
    files[OVERLAY_SCHEMA] = render(overlay_schema(kinds))
    from reconciler.plan.schema import SCHEMA_FILE, plan_schema  # the saved plan's shape

    files[SCHEMA_FILE] = render(plan_schema())
    return files


def _model_schema(model: type[BaseModel]) -> dict[str, Any]:
    schema = model.model_json_schema(mode="validation", ref_template="#/$defs/{model}")
    return dict(_numeric_strings(schema))


def _numeric_strings(node: Any) -> Any:
    """Decimals validate from numbers *or numeric strings*; pydantic's schema says "any
    string" for the latter when the field has bounds, so an editor would accept
    ``price: free``. Constrain those strings to numerals."""
    if isinstance(node, dict):
        branches = node.get("anyOf")
        if isinstance(branches, list):
            numeric = any(
                isinstance(b, dict) and b.get("type") in {"number", "integer"} for b in branches
            )
            if numeric:
                for branch in branches:
                    if (
                        isinstance(branch, dict)
                        and branch.get("type") == "string"
                        and len(branch) == 1
                    ):
                        branch["pattern"] = NUMERIC_TEXT
        for value in node.values():
            _numeric_strings(value)
    elif isinstance(node, list):
        for value in node:
            _numeric_strings(value)
    return node


def _document(model: type[BaseModel], title: str) -> dict[str, Any]:
    schema = _model_schema(model)
    schema["$schema"] = DRAFT
    schema["title"] = title
    return schema


def kind_schema(kind: Kind[Any]) -> dict[str, Any]:
    """A kind file: one item, or the kind's plural key holding a list of items."""
    item = _model_schema(kind.model)
    defs = item.pop("$defs", {})
    name = kind.model.__name__
    defs[name] = item
    ref = {"$ref": f"#/$defs/{name}"}
    return {
        "$schema": DRAFT,
        "title": f"{kind.plural} ({kind.directory}/)",
        "description": (
            f"One {kind.name}, or several under '{kind.plural}:'. Generated from the"
            f" {name} model by 'stagingpro schema --write'; do not edit."
        ),
        "oneOf": [
            ref,
            {
                "type": "object",
                "properties": {kind.plural: {"type": "array", "items": ref, "minItems": 1}},
                "required": [kind.plural],
                "additionalProperties": False,
            },
        ],
        "$defs": defs,
    }


def overlay_schema(kinds: Sequence[Kind[Any]] = KINDS) -> dict[str, Any]:
    """``overlay.yaml``: ``patch`` (partial items by natural key) and ``remove`` (keys)."""
    defs: dict[str, Any] = {}
    patch_props: dict[str, Any] = {}
    remove_props: dict[str, Any] = {}
    for kind in kinds:
        item = _model_schema(kind.model)
        for def_name, definition in item.pop("$defs", {}).items():
            defs[def_name] = definition
        name = f"{kind.model.__name__}Patch"
        defs[name] = _partial(item, top=True)
        by_key = {
            "type": "object",
            "description": f"{kind.name} natural key → fields to change",
            "additionalProperties": {"$ref": f"#/$defs/{name}"},
        }
        keys = {"type": "array", "items": {"type": ["string", "number"]}}
        for spelling in overlays.spellings(kind):
            patch_props[spelling] = by_key
            remove_props[spelling] = keys
    # Nested parts are partial in a patch too (a variant patch names only its sku and
    # the fields it changes).
    defs = {name: _partial(schema) for name, schema in defs.items()}
    return {
        "$schema": DRAFT,
        "title": "environment overlay (environments/<env>/overlay.yaml)",
        "description": (
            "Changes one environment makes to the base state. 'patch' deep-merges fields"
            " into items matched by natural key (null unsets a field); 'remove' drops"
            " items. Generated by 'stagingpro schema --write'; do not edit."
        ),
        "type": "object",
        "properties": {
            "patch": {"type": "object", "properties": patch_props, "additionalProperties": False},
            "remove": {
                "type": "object",
                "properties": remove_props,
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
        "$defs": defs,
    }


def _partial(schema: Mapping[str, Any], *, top: bool = False) -> dict[str, Any]:
    """``schema`` with nothing required; with ``top`` every property also accepts null."""
    result = copy.deepcopy(dict(schema))
    _drop_required(result)
    if top:
        result["properties"] = {
            name: {"anyOf": [prop, {"type": "null"}]}
            for name, prop in result.get("properties", {}).items()
        }
    return result


def _drop_required(node: Any) -> None:
    if isinstance(node, dict):
        node.pop("required", None)
        for value in node.values():
            _drop_required(value)
    elif isinstance(node, list):
        for value in node:
            _drop_required(value)


def expected_header(relative: str, kinds: Sequence[Kind[Any]] = KINDS) -> str | None:
    """The schema header line a state file should start with, or ``None`` for files
    that are not StagingPro's (a theme's own YAML). ``relative`` is relative to the
    state root, which sits beside ``schemas/`` in the repository."""
    environment_file = relative.startswith(documents.ENVIRONMENTS_DIR + "/")
    inner = relative.split("/", 2)[2] if environment_file and relative.count("/") >= 2 else relative
    if relative in {documents.CONFIG_FILE}:
        name = CONFIG_SCHEMA
    elif environment_file and inner in {documents.OVERLAY_FILE}:
        name = OVERLAY_SCHEMA
    else:
        kind = documents.kind_of(inner, kinds)
        if not isinstance(kind, Kind):
            return None
        name = kind_schema_name(kind)
    depth = relative.count("/") + 1  # the folders below the repository root
    return HEADER_PREFIX + posixpath.join(*([".."] * depth), "schemas", name)
