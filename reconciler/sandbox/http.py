"""BigCommerce's wire conventions, shared by every sandbox resource module.

* V3 success bodies are ``{"data": ..., "meta": {...}}``; lists carry
  ``meta.pagination`` (``page``/``limit``, limit at most 250 by default).
* V3 errors are ``{"status", "title", "type", "errors": {field: message}}``.
* V2 lists are bare JSON arrays (204 with no body for an empty page); V2 errors are
  ``[{"status", "message"}]``.

Handlers raise :class:`ApiProblem` (V3 shape) or :class:`V2Problem`; the app turns
them into responses, so a handler never half-writes: it validates first, raises, and
only then mutates the store.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.responses import Response

ERROR_TYPE = "https://developer.bigcommerce.com/api-docs/getting-started/api-status-codes"

TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "You don't have a required scope to access the endpoint",
    404: "The requested resource was not found.",
    405: "Method Not Allowed",
    409: "The request conflicts with existing data.",
    413: "The request payload is too large.",
    415: "Unsupported Media Type",
    422: "JSON data is missing or invalid",
    429: "Too many requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    507: "Insufficient Storage",
}


class ApiProblem(Exception):
    """A V3 error response: ``{"status", "title", "type", "errors"}``."""

    def __init__(
        self,
        status: int,
        title: str | None = None,
        errors: dict[str, str] | None = None,
        *,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(title or TITLES.get(status, "Error"))
        self.status = status
        self.title = title or TITLES.get(status, "Error")
        self.errors = errors or {}
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "title": self.title,
            "type": ERROR_TYPE,
            "errors": self.errors,
        }


class V2Problem(Exception):
    """A V2 error response: a JSON array of ``{"status", "message"}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message

    def body(self) -> list[dict[str, Any]]:
        return [{"status": self.status, "message": self.message}]


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    """A JSON response, serialised compactly (the hot path for large lists)."""
    content = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    return Response(content, status_code=status, media_type="application/json", headers=headers)


def empty(status: int = 204) -> Response:
    return Response(status_code=status)


def now_iso() -> str:
    """Timestamps as BigCommerce writes them (RFC 3339, UTC, with offset)."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class _NonFiniteNumber(ValueError):
    """A ``NaN``/``Infinity`` token in a JSON body."""


def _refuse_non_finite(token: str) -> Any:
    raise _NonFiniteNumber(token)


async def read_json(request: Request, *, v2: bool = False) -> Any:
    """The request's JSON body; a body that is not JSON is a 400 (V3) like BigCommerce."""
    raw = await request.body()
    if not raw:
        if v2:
            raise V2Problem(400, "The request body is empty; a JSON body is required.")
        raise ApiProblem(
            422, "JSON data is missing or invalid", {"body": "a JSON body is required"}
        )
    try:
        return json.loads(raw, parse_constant=_refuse_non_finite)
    except _NonFiniteNumber as error:
        # Python's json reads NaN/Infinity, which JSON has no words for; BigCommerce refuses.
        if v2:
            raise V2Problem(400, f"The request body holds {error}, not a number.") from None
        raise ApiProblem(
            422, "JSON data is missing or invalid", {"body": f"{error} is not a number"}
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        if v2:
            raise V2Problem(400, f"The request body is not valid JSON: {error}") from None
        raise ApiProblem(400, "Input is invalid", {"body": f"not valid JSON: {error}"}) from None


async def read_form(request: Request, part: str) -> FormData:
    """The request's multipart form; a body that is not one (no boundary, broken part
    headers) is a 400 naming ``part``, the file part the endpoint expects."""
    try:
        return await request.form()
    except (MultiPartException, HTTPException) as error:
        detail = error.message if isinstance(error, MultiPartException) else error.detail
        raise ApiProblem(
            400, "Bad Request", {part: f"the multipart/form-data body is malformed: {detail}"}
        ) from None


async def read_object(request: Request) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise ApiProblem(422, "JSON data is missing or invalid", {"body": "expected a JSON object"})
    return body


async def read_v2_object(request: Request) -> dict[str, Any]:
    """A V2 endpoint's JSON object body; anything else is V2's 400."""
    body = await read_json(request, v2=True)
    if not isinstance(body, dict):
        raise V2Problem(400, "The request body must be a JSON object.")
    return body


async def read_array(request: Request, *, max_items: int | None = None) -> list[dict[str, Any]]:
    """A JSON array of objects; more than ``max_items`` is BigCommerce's 413."""
    body = await read_json(request)
    if not isinstance(body, list) or not all(isinstance(item, dict) for item in body):
        raise ApiProblem(
            422, "JSON data is missing or invalid", {"body": "expected an array of objects"}
        )
    check_batch_size(len(body), max_items)
    return body


def check_batch_size(count: int, max_items: int | None) -> None:
    if max_items is not None and count > max_items:
        raise ApiProblem(
            413,
            "The request payload is too large. "
            f"The maximum items allowed in the array is {max_items}",
        )


# -- query parameters ---------------------------------------------------------------------------
def int_param(request: Request, name: str, default: int, *, minimum: int = 1) -> int:
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiProblem(
            422, "Invalid query parameter", {name: f"must be an integer, got {raw!r}"}
        ) from None
    if value < minimum:
        raise ApiProblem(422, "Invalid query parameter", {name: f"must be at least {minimum}"})
    return value


def csv_param(request: Request, name: str) -> list[str] | None:
    """``?name=a,b,c`` as a list, or ``None`` when absent."""
    raw = request.query_params.get(name)
    if raw is None:
        return None
    return [part for part in raw.split(",") if part != ""]


def int_list_param(request: Request, name: str) -> list[int] | None:
    values = csv_param(request, name)
    if values is None:
        return None
    try:
        return [int(v) for v in values]
    except ValueError:
        raise ApiProblem(
            422, "Invalid query parameter", {name: "must be a comma-separated list of integers"}
        ) from None


def includes(request: Request) -> set[str]:
    return set(csv_param(request, "include") or ())


# -- pagination ---------------------------------------------------------------------------------
def page_and_limit(
    request: Request, *, default_limit: int = 50, max_limit: int = 250
) -> tuple[int, int]:
    """``page`` and ``limit`` as BigCommerce reads them: a limit above the maximum is clamped."""
    page = int_param(request, "page", 1)
    limit = min(int_param(request, "limit", default_limit), max_limit)
    return page, limit


def paginate(
    items: Sequence[Any], request: Request, *, default_limit: int = 50, max_limit: int = 250
) -> tuple[list[Any], dict[str, Any]]:
    """One page of ``items`` and the V3 ``meta`` object describing it."""
    page, limit = page_and_limit(request, default_limit=default_limit, max_limit=max_limit)
    total = len(items)
    start = (page - 1) * limit
    chunk = list(items[start : start + limit])
    total_pages = math.ceil(total / limit) if total else 0
    links: dict[str, str] = {"current": f"?page={page}&limit={limit}"}
    if page > 1:
        links["previous"] = f"?page={page - 1}&limit={limit}"
    if page < total_pages:
        links["next"] = f"?page={page + 1}&limit={limit}"
    meta = {
        "pagination": {
            "total": total,
            "count": len(chunk),
            "per_page": limit,
            "current_page": page,
            "total_pages": total_pages,
            "links": links,
        }
    }
    return chunk, meta


def list_response(
    items: Sequence[Any],
    request: Request,
    *,
    render: Callable[[Any], Any] = lambda item: item,
    default_limit: int = 50,
    max_limit: int = 250,
) -> Response:
    """A paginated V3 list response; ``render`` shapes each item of the page only."""
    chunk, meta = paginate(items, request, default_limit=default_limit, max_limit=max_limit)
    return json_response({"data": [render(item) for item in chunk], "meta": meta})


def v2_list_response(items: Sequence[Any], request: Request, *, max_limit: int = 250) -> Response:
    """A V2 page: a bare array, or 204 with no body when the page is empty."""
    page, limit = page_and_limit(request, default_limit=50, max_limit=max_limit)
    chunk = list(items[(page - 1) * limit : page * limit])
    if not chunk:
        return empty(204)
    return json_response(chunk)


def data_response(data: Any, status: int = 200) -> Response:
    return json_response({"data": data, "meta": {}}, status)


# -- small validation helpers used by resource modules -----------------------------------------
def require_fields(body: dict[str, Any], fields: Iterable[str], *, prefix: str = "") -> None:
    """422 naming every missing required field at once."""
    missing = {
        f"{prefix}{name}": f"{name} is required" for name in fields if body.get(name) in (None, "")
    }
    if missing:
        raise ApiProblem(422, "JSON data is missing or invalid", missing)


def reject_unknown(body: dict[str, Any], allowed: Iterable[str], *, prefix: str = "") -> None:
    """422 for fields the resource does not have (BigCommerce rejects unknown properties)."""
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ApiProblem(
            422,
            "JSON data is missing or invalid",
            {f"{prefix}{name}": "is not a valid field of this resource" for name in unknown},
        )
