"""Small helpers shared by the sandbox's content, customer, order and storefront modules.

This module registers no endpoints (it has no ``api``); it holds wire details that
several resource families share but that are not part of the core conventions in
:mod:`reconciler.sandbox.http`.
"""

from __future__ import annotations

import fnmatch
import json
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from reconciler.sandbox.http import ERROR_TYPE, ApiProblem, V2Problem
from reconciler.sandbox.storage import Collection, Document, Store


def new_uuid() -> str:
    return str(uuid.uuid4())


def bool_param(request: Request, name: str, *, v2: bool = False) -> bool | None:
    """``?name=true|false|1|0`` as a bool, ``None`` when absent; anything else is a 422 (V3)."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    lowered = raw.lower()
    if lowered in ("true", "1"):
        return True
    if lowered in ("false", "0"):
        return False
    message = f"{name} must be true or false, got {raw!r}"
    if v2:
        raise V2Problem(400, message)
    raise ApiProblem(422, "Invalid query parameter", {name: message})


def token_has_scope(request: Request, store: Store, scope: str, *, modify: bool) -> bool:
    """Whether the request's token grants ``scope`` (``modify`` or at least ``read``).

    For rules the pipeline's per-endpoint check cannot express, e.g. scripts that load on
    checkout pages need the Checkout Content scope on top of the Content scope.
    """
    token = request.headers.get("x-auth-token", "")
    grant = store.meta.get("tokens", {}).get(token) or {}
    scopes = grant.get("scopes", {})
    if scopes == "*":
        return True
    level = scopes.get(scope) if isinstance(scopes, dict) else None
    return level == "modify" or (level == "read" and not modify)


def like(pattern: str, value: str) -> bool:
    """BigCommerce's ``:like`` filter: case-insensitive substring match (``%`` is a wildcard)."""
    needle = pattern.lower()
    if "%" in needle:
        return fnmatch.fnmatchcase(value.lower(), needle.replace("%", "*"))
    return needle in value.lower()


def named_exactly(coll: Collection, name: str) -> list[Document]:
    """The ``?name=`` filter: documents named exactly ``name``, found through the
    collection's case-insensitive ``name`` index."""
    return [d for d in coll.lookup("name", name.lower()) if d["name"] == name]


def problem_json(status: int, title: str, detail: str | None = None) -> Response:
    """An RFC 7807 ``application/problem+json`` response ``{status, title, type, detail}``."""
    body: dict[str, Any] = {"status": status, "title": title, "type": ERROR_TYPE}
    if detail is not None:
        body["detail"] = detail
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(content, status_code=status, media_type="application/problem+json")


class ProblemDetail(Exception):
    """Raised inside a handler whose spec answers errors as ``application/problem+json``."""

    def __init__(self, status: int, title: str, detail: str | None = None) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail


def check_type(
    body: dict[str, Any],
    types: Mapping[str, type | tuple[type, ...]],
    *,
    nullable: Iterable[str] = (),
    prefix: str = "",
) -> dict[str, str]:
    """Messages for fields of ``body`` whose JSON type is wrong (bool is never an int here)."""
    allowed_null = set(nullable)
    errors: dict[str, str] = {}
    for name, expected in types.items():
        if name not in body:
            continue
        value = body[name]
        if value is None:
            if name not in allowed_null:
                errors[f"{prefix}{name}"] = f"{name} must not be null"
            continue
        wanted = expected if isinstance(expected, tuple) else (expected,)
        if (isinstance(value, bool) and bool not in wanted) or not isinstance(value, wanted):
            errors[f"{prefix}{name}"] = f"{name} must be of type {_type_name(wanted)}"
    return errors


def _type_name(types: tuple[type, ...]) -> str:
    names = {
        str: "string",
        int: "integer",
        float: "number",
        bool: "boolean",
        dict: "object",
        list: "array",
    }
    return " or ".join(names.get(t, t.__name__) for t in types)


def check_enum(
    body: dict[str, Any], enums: Mapping[str, Iterable[str]], *, prefix: str = ""
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for name, values in enums.items():
        allowed = list(values)
        if name in body and body[name] is not None and body[name] not in allowed:
            errors[f"{prefix}{name}"] = (
                f"{name} must be one of {', '.join(allowed)}; got {body[name]!r}"
            )
    return errors


def sort_docs(
    docs: list[Document], key: str, direction: str | None, *, default: Callable[[Document], Any]
) -> list[Document]:
    """Sort ``docs`` by field ``key`` (then id); ``direction`` ``desc`` reverses."""
    reverse = (direction or "asc").lower() == "desc"
    return sorted(docs, key=lambda d: (_sortable(d.get(key)), default(d)), reverse=reverse)


def _sortable(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, str):
        return (1, value.lower())
    return (2, value) if isinstance(value, (int, float)) else (3, str(value))


NUMBER = (int, float)
